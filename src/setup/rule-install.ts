import { DETECTION_API_VERSION, ruleUpdateBody, type RuleBody } from './detection-rule.js';
import { KibanaError } from './errors.js';
import type { KibanaClient, KibanaMethod } from './kibana-client.js';

/** The Detection Engine rules endpoint (public API, versioned 2023-10-31). */
export const RULES_PATH = 'api/detection_engine/rules';

/** One request to Kibana as `setup` sends it, and as `setup --dry-run` prints it. */
export interface KibanaRequest {
  method: KibanaMethod;
  /** Relative to the Kibana URL and the space prefix. */
  path: string;
  body: unknown;
}

/** Reads the installed rule with this `rule_id` (404: none in the space). */
export function ruleLookupRequest(ruleId: string): KibanaRequest {
  return { method: 'GET', path: `${RULES_PATH}?rule_id=${encodeURIComponent(ruleId)}`, body: undefined };
}

/** Creates the rule. */
export function ruleCreateRequest(rule: RuleBody): KibanaRequest {
  return { method: 'POST', path: RULES_PATH, body: rule };
}

/** Replaces the installed rule with ours, keeping what the user owns (ruleUpdateBody). */
export function ruleUpdateRequest(rule: RuleBody, installed: Record<string, unknown>): KibanaRequest {
  return { method: 'PUT', path: RULES_PATH, body: ruleUpdateBody(rule, installed) };
}

/** What `setup` did to the rule. */
export interface RuleReport {
  ruleId: string;
  name: string;
  status: 'created' | 'updated' | 'unchanged';
  /** Our version of the definition, and the one found installed (if any). */
  version: number;
  installedVersion?: number;
  /** Whether the rule runs, as it is in Kibana after this step (the user's to change). */
  enabled: boolean;
}

/**
 * Brings the rule in the space up to ours: created when missing; replaced (PUT) when the
 * installed `version` is lower than ours, keeping the user's enabled state, exceptions,
 * actions, response actions, timeline template and alert suppression; left alone otherwise,
 * so edits made in Kibana to a rule of our version survive every later run.
 */
export async function ensureDetectionRule(client: KibanaClient, rule: RuleBody): Promise<RuleReport> {
  const report = { ruleId: rule.rule_id, name: String(rule.name), version: rule.version };
  const installed = await lookup(client, rule.rule_id);
  if (installed === undefined) {
    const created = await send(client, 'creating the detection rule', ruleCreateRequest(rule), [409]);
    if (created.status !== 409) return { ...report, status: 'created', enabled: rule.enabled !== false };
    // A retried create whose first attempt got through: the rule is there now.
    const now = await lookup(client, rule.rule_id);
    if (now === undefined) throw new KibanaError(`creating the detection rule ${rule.rule_id}: Kibana answered 409 (exists) but does not find it`, { retryable: true, status: 409 });
    return decide(client, rule, now, report);
  }
  return decide(client, rule, installed, report);
}

async function decide(client: KibanaClient, rule: RuleBody, installed: Record<string, unknown>, report: Pick<RuleReport, 'ruleId' | 'name' | 'version'>): Promise<RuleReport> {
  const installedVersion = typeof installed.version === 'number' ? installed.version : 0;
  const enabled = installed.enabled !== false;
  if (installedVersion >= rule.version) return { ...report, status: 'unchanged', installedVersion, enabled };
  await send(client, 'updating the detection rule', ruleUpdateRequest(rule, installed));
  return { ...report, status: 'updated', installedVersion, enabled };
}

async function lookup(client: KibanaClient, ruleId: string): Promise<Record<string, unknown> | undefined> {
  const res = await send(client, 'looking up the detection rule', ruleLookupRequest(ruleId), [404]);
  if (res.status === 404) return undefined;
  if (res.body === null || typeof res.body !== 'object') {
    throw new KibanaError(`looking up the detection rule ${ruleId}: expected a rule object, got ${client.scrub(JSON.stringify(res.body)).slice(0, 200)}`, { retryable: false });
  }
  return res.body as Record<string, unknown>;
}

function send(client: KibanaClient, doing: string, req: KibanaRequest, accept: number[] = []): ReturnType<KibanaClient['requestJson']> {
  return client.requestJson(doing, req.method, req.path, req.body, { accept, apiVersion: DETECTION_API_VERSION });
}
