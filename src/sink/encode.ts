import type { MatchMeta } from '../aggregate/classify.js';
import type { GroupState } from '../aggregate/group-store.js';
import { parseEventRefKey, type GroupValues } from '../aggregate/group.js';
import { RULE_METADATA, renderMessage } from '../rule/metadata.js';

/** Everything needed to render one finding document. */
export interface FindingInput {
  state: GroupState;
  group: GroupValues;
  bucketStartMs: number;
  bucketMs: number;
  eventRefs: readonly string[];
  maxEventRefs: number;
}

/** The stored finding: ECS fields plus `finding.*` (our own namespace). */
export type FindingDocument = Record<string, unknown>;

const m = RULE_METADATA;

/**
 * Renders a finding as an ECS document. Deterministic: the same group state always gives the
 * same document (no wall-clock fields), so rewriting it after a retry or replay changes nothing.
 */
export function encodeFinding(input: FindingInput): FindingDocument {
  const { state, group } = input;
  const meta: MatchMeta | undefined = state.meta;
  const cim = meta?.cim ?? {};
  const start = new Date(state.firstMs).toISOString();
  const end = new Date(state.lastMs).toISOString();
  const proxies = meta?.proxies ?? [];
  return {
    '@timestamp': start,
    message: renderMessage({ process_name: group.process_name, dest: group.dest, user: group.user }),
    event: {
      kind: 'alert',
      category: ['process'],
      type: ['start'],
      start,
      end,
      risk_score: m.riskScore,
      risk_score_norm: m.riskScore,
      severity: m.severityNumeric,
      module: 'curl_proxy_detector',
      dataset: 'curl_proxy_detector.finding',
    },
    host: { name: group.dest },
    user: { name: group.user },
    process: compact({
      name: group.process_name,
      command_line: group.process,
      pid: toPid(group.process_id),
      executable: cim.process_path,
      pe: cim.original_file_name !== undefined ? { original_file_name: cim.original_file_name } : undefined,
      parent: compact({
        name: group.parent_process_name,
        pid: toPid(group.parent_process_id),
        executable: cim.parent_process_path,
        command_line: cim.parent_process,
      }),
    }),
    rule: {
      id: m.id,
      uuid: m.id,
      name: m.name,
      version: String(m.version),
      description: m.description,
      reference: m.reference[0],
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
      risk_objects: [
        { field: 'dest', type: 'system', value: group.dest, score: m.riskScore },
        { field: 'user', type: 'user', value: group.user, score: m.riskScore },
      ],
      threat_objects: [{ field: 'process_name', type: 'process_name', value: group.process_name }],
      annotations: {
        mitre_attack: m.threat.techniques.map((t) => t.id),
        kill_chain_phases: [...m.annotations.killChainPhases],
        nist: [...m.annotations.nist],
        cis20: [...m.annotations.cis20],
      },
    },
  };
}

function toPid(value: string): number | undefined {
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Drops undefined properties so documents carry no `null` noise. */
function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}
