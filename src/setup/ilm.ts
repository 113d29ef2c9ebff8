import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { Config } from '../config/schema.js';
import { toServiceError } from '../source/errors.js';

/** Whether the cluster has index lifecycle management, as `setup` found it. */
export type IlmAvailability = { available: true; operationMode: string } | { available: false };

/** What `setup` did to one Elasticsearch object. */
export type ChangeStatus = 'created' | 'updated' | 'unchanged';

/**
 * Asks `GET _ilm/status`. A cluster without the ILM plugin answers in many ways (see
 * isMissingApi): ILM is absent. Any other failure (403 without the privilege, 5xx, no
 * connection) is an error: guessing "absent" would drop rollover silently.
 */
export async function detectIlm(es: Client): Promise<IlmAvailability> {
  try {
    const res = await es.ilm.getStatus();
    return { available: true, operationMode: String(res.operation_mode) };
  } catch (err) {
    if (isMissingApi(err)) return { available: false };
    throw toServiceError(err, 'detecting ILM (GET _ilm/status)');
  }
}

/**
 * Statuses that, for a GET of a fixed endpoint without parameters, can only mean "no such API
 * here": 404 (a proxy that forwards only known paths), 405 (8.19 routes the unknown path to
 * another handler and answers "Incorrect HTTP method ... allowed: [POST]"), 410 (serverless
 * "api_not_available"), 501 (not implemented). 9.x answers 400 "no handler found".
 */
const ABSENT_API_STATUSES: ReadonlySet<number> = new Set([404, 405, 410, 501]);

/** What a 400 says when the endpoint is unknown rather than the request wrong. */
const UNKNOWN_ENDPOINT = /no handler found|incorrect http method|unknown|unrecognized|api_not_available|not available|invalid_index_name/;

/**
 * True for the answers of a cluster that has no such API (not for a denied or failing one).
 * Meant for probing a fixed endpoint with GET, where a 404 cannot mean a missing resource.
 */
export function isMissingApi(err: unknown): boolean {
  if (!(err instanceof errors.ResponseError)) return false;
  const status = err.statusCode ?? 0;
  if (ABSENT_API_STATUSES.has(status)) return true;
  if (status !== 400) return false;
  const text = (typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? '')).toLowerCase();
  return UNKNOWN_ENDPOINT.test(text);
}

/**
 * The findings lifecycle: the write index rolls over at `rolloverMaxAge` or
 * `rolloverMaxPrimaryShardSize`; a rolled-over index is deleted `deleteAfter` later ("never":
 * no delete phase).
 */
export function findingsIlmPolicy(sink: Config['sink']): estypes.IlmPolicy {
  const phases: estypes.IlmPhases = {
    hot: {
      min_age: '0ms',
      actions: { rollover: { max_age: sink.rolloverMaxAge, max_primary_shard_size: sink.rolloverMaxPrimaryShardSize } },
    },
  };
  if (sink.deleteAfter !== 'never') phases.delete = { min_age: sink.deleteAfter, actions: { delete: {} } };
  return { _meta: { managed_by: 'curl-proxy-detector', description: 'Findings of curl-proxy-detector: rollover, then delete.' }, phases };
}

/**
 * Puts the policy unless the stored one already contains it. "Contains": phases or actions an
 * operator added by hand do not count as a difference and are kept; a changed value of ours does.
 */
export async function ensureIlmPolicy(es: Client, name: string, policy: estypes.IlmPolicy): Promise<ChangeStatus> {
  try {
    const res = await es.ilm.getLifecycle({ name }, { ignore: [404] });
    const current = (res as Record<string, { policy?: unknown } | undefined>)[name]?.policy;
    if (current !== undefined && containsSubset(policy, current)) return 'unchanged';
    await es.ilm.putLifecycle({ name, policy });
    return current === undefined ? 'created' : 'updated';
  } catch (err) {
    throw toServiceError(err, `installing ILM policy ${name}`);
  }
}

/**
 * Attaches the policy to the current write index when it lacks it, e.g. because the worker
 * bootstrapped the index before `setup` ran on a cluster with ILM. Older indices are left alone.
 */
export async function ensureWriteIndexLifecycle(es: Client, index: string, policy: string, alias: string): Promise<ChangeStatus> {
  try {
    const res = await es.indices.getSettings({ index, flat_settings: true });
    const settings = (res[index]?.settings ?? {}) as Record<string, unknown>;
    if (settings['index.lifecycle.name'] === policy && settings['index.lifecycle.rollover_alias'] === alias) return 'unchanged';
    await es.indices.putSettings({ index, settings: { 'index.lifecycle.name': policy, 'index.lifecycle.rollover_alias': alias } });
    return 'updated';
  } catch (err) {
    throw toServiceError(err, `attaching ILM policy ${policy} to ${index}`);
  }
}

/** The template settings that make new findings indices follow the policy. */
export function lifecycleSettings(policy: string, alias: string): Record<string, string> {
  return { 'index.lifecycle.name': policy, 'index.lifecycle.rollover_alias': alias };
}

/**
 * True when every key of `wanted` is in `actual` with an equal value, recursively. Scalars
 * compare as strings (Elasticsearch may echo numbers as strings); arrays compare element-wise.
 */
export function containsSubset(wanted: unknown, actual: unknown): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && wanted.length === actual.length && wanted.every((w, i) => containsSubset(w, actual[i]));
  }
  if (wanted !== null && typeof wanted === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(wanted as Record<string, unknown>).every(([k, v]) => v === undefined || (k in a && containsSubset(v, a[k])));
  }
  return String(wanted) === String(actual);
}
