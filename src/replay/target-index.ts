import { asString, getPath } from '../normalize/values.js';

/**
 * Where a replayed document goes when `--index` is not given. Names follow the data stream
 * scheme `<type>-<dataset>-<namespace>` and land under the worker's default
 * `source.indexPatterns`, in the namespace "replay" unless the document names its own.
 */
export const defaultIndices = {
  sysmonLinux: 'logs-sysmon_linux.log-replay',
  elasticDefend: 'logs-endpoint.events.process-replay',
  auditdManager: 'logs-auditd_manager.auditd-replay',
  auditbeat: 'auditbeat-replay',
} as const;

/** The namespace of replayed data when the document does not say. */
export const replayNamespace = 'replay';

/** A target index, or why the document cannot be routed. */
export type IndexChoice = { ok: true; index: string } | { ok: false; reason: string; message: string };

/**
 * The index of one ECS document: its `data_stream.{type,dataset,namespace}` when it has a
 * dataset (type defaults to logs, namespace to "replay"); else by producer shape: a known
 * event.dataset -> that producer's `-replay` index; Auditbeat (agent.type, or an action only
 * Auditbeat writes, such as `executed` or `process_ran`) -> `auditbeat-replay`; anything else
 * -> the Elastic Defend process data stream, where the worker reads it as Defend (event.action
 * must contain "exec" when present).
 */
export function indexForDocument(doc: unknown): IndexChoice {
  const dataset = asString(getPath(doc, 'data_stream.dataset'), 200);
  if (dataset !== undefined) {
    const type = asString(getPath(doc, 'data_stream.type'), 200) ?? 'logs';
    const namespace = asString(getPath(doc, 'data_stream.namespace'), 200) ?? replayNamespace;
    for (const [field, value] of [
      ['data_stream.type', type],
      ['data_stream.dataset', dataset],
      ['data_stream.namespace', namespace],
    ] as const) {
      const problem = dataStreamPartProblem(value);
      if (problem !== undefined) {
        return { ok: false, reason: `bad ${field}`, message: `expected ${field} to be ${problem}, got ${JSON.stringify(value.slice(0, 60))}` };
      }
    }
    return { ok: true, index: `${type}-${dataset}-${namespace}` };
  }
  const eventDataset = asString(getPath(doc, 'event.dataset'), 200) ?? '';
  if (eventDataset.startsWith('sysmon_linux.')) return { ok: true, index: defaultIndices.sysmonLinux };
  if (eventDataset.startsWith('auditd_manager.')) return { ok: true, index: defaultIndices.auditdManager };
  if (eventDataset.startsWith('endpoint.events.process')) return { ok: true, index: defaultIndices.elasticDefend };
  const action = asString(getPath(doc, 'event.action'), 200) ?? '';
  if (asString(getPath(doc, 'agent.type'), 200) === 'auditbeat' || auditbeatActions.has(action)) {
    return { ok: true, index: defaultIndices.auditbeat };
  }
  return { ok: true, index: defaultIndices.elasticDefend };
}

/** Actions only Auditbeat writes (auditd module and system/process, every backend). */
const auditbeatActions = new Set(['executed', 'process_started', 'process_ran', 'process_changed_image', 'process_stopped']);

/** Data stream name parts: lower case, no `-`, none of the characters index names forbid. */
function dataStreamPartProblem(value: string): string | undefined {
  if (value.length > 100) return 'at most 100 characters';
  if (value.includes('-')) return "a name without '-'";
  return indexNameProblem(value) === undefined ? undefined : 'a lower-case name without spaces or \\/*?"<>|,#:';
}

/**
 * Why a name cannot be an Elasticsearch index name, or undefined when it can: lower case,
 * not starting with -, _ or +, not . or .., none of \ / * ? " < > | space , # :, at most 255 bytes.
 */
export function indexNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'expected a non-empty index name other than . and ..';
  if (name !== name.toLowerCase()) return 'expected a lower-case index name';
  if (name.startsWith('-') || name.startsWith('_') || name.startsWith('+')) return 'expected an index name not starting with -, _ or +';
  for (const c of name) if ('\\/*?"<>| ,#:'.includes(c)) return `expected an index name without ${JSON.stringify(c)}`;
  if (Buffer.byteLength(name, 'utf8') > 255) return 'expected an index name of at most 255 bytes';
  return undefined;
}

/** The namespace a Sysmon document gets for a target index (`logs-sysmon_linux.log-<ns>` keeps its own). */
export function sysmonNamespaceFor(index: string): string {
  const prefix = 'logs-sysmon_linux.log-';
  const ns = index.startsWith(prefix) ? index.slice(prefix.length) : '';
  return ns !== '' && dataStreamPartProblem(ns) === undefined ? ns : replayNamespace;
}

/** True when `index` matches one of the index patterns (`*` wildcards only, like the worker's). */
export function coveredBy(index: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => wildcardMatch(p, index));
}

function wildcardMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}
