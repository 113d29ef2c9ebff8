import type { ArrayRule } from './values.js';

/**
 * The analytic's CIM `Processes` fields and where each is read from in ECS, as data. The
 * lists are tried in order; the first non-empty value wins. Users override any entry with
 * `normalize.fields.<cim_field>` in config.
 */
export const cimFields = [
  'dest',
  'user',
  'parent_process_name',
  'parent_process',
  'original_file_name',
  'process_name',
  'process',
  'process_id',
  'parent_process_path',
  'process_path',
  'parent_process_id',
] as const;

/** One CIM field name of the Endpoint.Processes data model used by the analytic. */
export type CimField = (typeof cimFields)[number];

/** Default ECS source paths per CIM field (joined from SigmaHQ's Sysmon->CIM and Sysmon->ECS maps). */
export const defaultFieldMap: Readonly<Record<CimField, readonly string[]>> = {
  dest: ['host.name', 'host.hostname', 'winlog.computer_name'],
  // SentinelOne Cloud Funnel writes the created process's user to process.user.name only.
  user: ['user.name', 'process.user.name'],
  parent_process_name: ['process.parent.name'],
  parent_process: ['process.parent.command_line'],
  original_file_name: ['process.pe.original_file_name'],
  process_name: ['process.name'],
  process: ['process.command_line'],
  process_id: ['process.pid'],
  parent_process_path: ['process.parent.executable'],
  process_path: ['process.executable'],
  // Older Auditbeat system/process documents carry process.ppid instead.
  parent_process_id: ['process.parent.pid', 'process.ppid'],
};

/** The fields the analytic groups by (`tstats ... by`), in its order. */
export const groupFields = [
  'dest',
  'user',
  'parent_process_name',
  'process_name',
  'process',
  'process_id',
  'parent_process_id',
] as const satisfies readonly CimField[];

/** The producers whose quirks the normalizer knows (docs/producers.md). */
export type SourceKind =
  | 'elastic_defend'
  | 'auditd_manager'
  | 'auditbeat'
  | 'sysmon_linux'
  | 'crowdstrike_fdr'
  | 'sentinel_one_cloud_funnel'
  | 'ecs';

/** Every source kind, for metric labels and docs. */
export const sourceKinds = [
  'elastic_defend',
  'auditd_manager',
  'auditbeat',
  'sysmon_linux',
  'crowdstrike_fdr',
  'sentinel_one_cloud_funnel',
  'ecs',
] as const satisfies readonly SourceKind[];

/**
 * How an array is read where a CIM field expects one string (values.ts `ArrayRule`): a command
 * line sent as an array is its words in order; every other field keeps all its distinct values.
 */
export const arrayRules: Readonly<Record<CimField, ArrayRule>> = {
  dest: 'distinct',
  user: 'distinct',
  parent_process_name: 'distinct',
  parent_process: 'words',
  original_file_name: 'distinct',
  process_name: 'distinct',
  process: 'words',
  process_id: 'distinct',
  parent_process_path: 'distinct',
  process_path: 'distinct',
  parent_process_id: 'distinct',
};

/** Extra ECS paths the normalizer reads besides the field map (source kind, args, env, raw Sysmon data). */
export const auxiliaryPaths = [
  '@timestamp',
  'event.ingested',
  'event.action',
  'event.code',
  'event.dataset',
  'event.module',
  'data_stream.dataset',
  'agent.type',
  'process.args',
  'process.env_vars',
  'winlog.event_data.User',
  'event.original',
  'message',
  'event.type',
] as const;

/** The default field map with the configured overrides applied. */
export function resolveFieldMap(overrides: Partial<Record<CimField, readonly string[]>>): Record<CimField, readonly string[]> {
  const out = { ...defaultFieldMap };
  for (const f of cimFields) {
    const o = overrides[f];
    if (o !== undefined) out[f] = o;
  }
  return out;
}
