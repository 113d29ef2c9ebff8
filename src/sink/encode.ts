import { isIP } from 'node:net';
import type { MatchMeta } from '../aggregate/classify.js';
import type { GroupState } from '../aggregate/group-store.js';
import { isMissing, parseEventRefKey, type GroupField, type GroupValues } from '../aggregate/group.js';
import { RULE_METADATA, renderMessage } from '../rule/metadata.js';

/** The ECS version the documents follow (elastic/ecs: every field used here exists since 8.x). */
export const ECS_VERSION = '8.17.0';

/** `event.dataset` of a finding (one per group and bucket, rewritten as its count grows). */
export const FINDING_DATASET = 'curl_proxy_detector.finding';

/** Everything needed to render one finding document. */
export interface FindingInput {
  state: GroupState;
  group: GroupValues;
  bucketStartMs: number;
  bucketMs: number;
  eventRefs: readonly string[];
  maxEventRefs: number;
  /** When this write of the document happens (`event.ingested`). */
  ingestedMs: number;
}

/** The stored finding: ECS fields plus `finding.*` (our own namespace). */
export type FindingDocument = Record<string, unknown>;

const m = RULE_METADATA;

/** What the message says in place of a field the event did not have. */
const NOT_RECORDED = '(not recorded)';

/**
 * Renders a finding as an ECS document. Deterministic: the same input always gives the same
 * document (the write time is an input), so rewriting it after a retry or replay changes only
 * `event.ingested`. A `by` value the event did not have is left out of every field, never
 * written as a placeholder: a made-up host or user would become an entity in Elastic Security.
 */
export function encodeFinding(input: FindingInput): FindingDocument {
  const { state } = input;
  const group = presentValues(input.group);
  const meta: MatchMeta | undefined = state.meta;
  const cim = meta?.cim ?? {};
  const start = new Date(state.firstMs).toISOString();
  const end = new Date(state.lastMs).toISOString();
  const proxies = meta?.proxies ?? [];
  return compact({
    '@timestamp': start,
    message: findingMessage(group),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'alert',
      category: ['process'],
      type: ['start'],
      start,
      end,
      ingested: new Date(input.ingestedMs).toISOString(),
      risk_score: m.riskScore,
      risk_score_norm: m.riskScore,
      severity: m.severityNumeric,
      module: 'curl_proxy_detector',
      dataset: FINDING_DATASET,
    },
    host: group.dest !== undefined ? { name: group.dest } : undefined,
    user: group.user !== undefined ? { name: group.user } : undefined,
    process: nonEmpty(compact({
      name: group.process_name,
      command_line: group.process,
      pid: toPid(group.process_id),
      executable: cim.process_path,
      pe: cim.original_file_name !== undefined ? { original_file_name: cim.original_file_name } : undefined,
      parent: nonEmpty(
        compact({
          name: group.parent_process_name,
          pid: toPid(group.parent_process_id),
          executable: cim.parent_process_path,
          command_line: cim.parent_process,
        }),
      ),
    })),
    related: related(group, proxies),
    rule: {
      id: m.id,
      uuid: m.id,
      name: m.name,
      version: String(m.version),
      description: m.description,
      reference: [...m.reference],
      author: [...m.author],
      ruleset: m.ruleset,
      category: m.category,
    },
    threat: {
      framework: m.threat.framework,
      tactic: { id: [m.threat.tactic.id], name: [m.threat.tactic.name], reference: [m.threat.tactic.reference] },
      technique: {
        id: m.threat.techniques.map((t) => t.id),
        name: m.threat.techniques.map((t) => t.name),
        reference: m.threat.techniques.map((t) => t.reference),
      },
    },
    finding: {
      id: state.findingId,
      count: state.count,
      first_time: start,
      last_time: end,
      bucket: { start: new Date(input.bucketStartMs).toISOString(), end: new Date(input.bucketStartMs + input.bucketMs).toISOString(), span_ms: input.bucketMs },
      group: { ...group },
      mode: meta?.mode ?? 'argv',
      reason: meta?.reason ?? '',
      source_kind: meta?.sourceKind ?? 'ecs',
      proxies: proxies.map((p) => compact({ option: p.option, canonical: p.canonical, url: p.url, scheme: p.scheme ?? undefined, host: p.host ?? undefined, port: p.port ?? undefined, source: p.source, evasion: p.evasion ?? undefined, refused: p.refused ?? undefined })),
      first_event: parseEventRefKey(state.firstRef),
      last_event: parseEventRefKey(state.lastRef),
      events: input.eventRefs.map(parseEventRefKey),
      events_truncated: state.count > input.eventRefs.length,
      risk_score: m.riskScore,
      impact: m.impact,
      confidence: m.confidence,
      // Splunk's risk objects, for the entities the event named (none for a missing one).
      risk_objects: [
        ...(group.dest !== undefined ? [{ field: 'dest', type: 'system', value: group.dest, score: m.riskScore }] : []),
        ...(group.user !== undefined ? [{ field: 'user', type: 'user', value: group.user, score: m.riskScore }] : []),
      ],
      threat_objects: group.process_name !== undefined ? [{ field: 'process_name', type: 'process_name', value: group.process_name }] : [],
      annotations: {
        mitre_attack: m.threat.techniques.map((t) => t.id),
        kill_chain_phases: [...m.annotations.killChainPhases],
        nist: [...m.annotations.nist],
        cis20: [...m.annotations.cis20],
      },
    },
  });
}

/** The group without its missing values. */
function presentValues(group: GroupValues): Partial<Record<GroupField, string>> {
  const out: Partial<Record<GroupField, string>> = {};
  for (const [field, value] of Object.entries(group) as [GroupField, string][]) if (!isMissing(value)) out[field] = value;
  return out;
}

/** The analytic's message; a value the event did not have reads "(not recorded)", never a made-up name. */
function findingMessage(group: Partial<Record<GroupField, string>>): string {
  let template: string = m.messageTemplate;
  for (const name of ['process_name', 'dest', 'user'] as const) if (group[name] === undefined) template = template.split(`$${name}$`).join(NOT_RECORDED);
  return renderMessage({ process_name: group.process_name, dest: group.dest, user: group.user }, template);
}

/**
 * ECS `related.*`: the host and user of the finding, and the proxies curl was pointed at, so
 * an analyst can pivot on a proxy: addresses in `related.ip`, names in `related.hosts`.
 */
function related(group: Partial<Record<GroupField, string>>, proxies: MatchMeta['proxies']): Partial<Record<'hosts' | 'user' | 'ip', string[]>> | undefined {
  const hosts = new Set<string>();
  const ips = new Set<string>();
  if (group.dest !== undefined) hosts.add(group.dest);
  for (const p of proxies) {
    if (p.host === null || p.host === undefined || p.host === '') continue;
    const bare = p.host.startsWith('[') && p.host.endsWith(']') ? p.host.slice(1, -1) : p.host;
    if (isIP(bare) !== 0) ips.add(bare);
    else hosts.add(p.host);
  }
  const out: Partial<Record<'hosts' | 'user' | 'ip', string[]>> = {};
  if (hosts.size > 0) out.hosts = [...hosts];
  if (group.user !== undefined) out.user = [group.user];
  if (ips.size > 0) out.ip = [...ips];
  return nonEmpty(out);
}

function toPid(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Drops undefined properties so documents carry no `null` noise. */
function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

/** An object with no fields is left out rather than written empty. */
function nonEmpty<T extends Record<string, unknown>>(obj: T): T | undefined {
  return Object.keys(obj).length > 0 ? obj : undefined;
}
