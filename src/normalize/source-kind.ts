import type { SourceKind } from './fields.js';
import { asString, compilePath, getPath } from './values.js';

// Read for every hit: compiled once, like the normalizer's own paths.
const paths = { dataStreamDataset: compilePath('data_stream.dataset'), eventDataset: compilePath('event.dataset'), agentType: compilePath('agent.type') };

/**
 * Which producer wrote an event: from its dataset first (set by Elastic Agent integrations),
 * then module/agent fields (Beats), then the index name.
 */
export function detectSourceKind(source: unknown, index: string): SourceKind {
  const dataset = asString(getPath(source, paths.dataStreamDataset), 200) ?? asString(getPath(source, paths.eventDataset), 200) ?? '';
  if (dataset.startsWith('endpoint.events.process')) return 'elastic_defend';
  if (dataset.startsWith('auditd_manager.')) return 'auditd_manager';
  if (dataset.startsWith('sysmon_linux.')) return 'sysmon_linux';
  if (dataset === 'crowdstrike.fdr') return 'crowdstrike_fdr';
  if (dataset.startsWith('sentinel_one_cloud_funnel.')) return 'sentinel_one_cloud_funnel';
  const agentType = asString(getPath(source, paths.agentType), 200);
  if (agentType === 'auditbeat') return 'auditbeat';
  const name = backingName(index);
  if (name.includes('logs-endpoint.events.process')) return 'elastic_defend';
  if (name.includes('logs-auditd_manager.')) return 'auditd_manager';
  if (name.includes('logs-sysmon_linux.')) return 'sysmon_linux';
  if (name.startsWith('auditbeat-')) return 'auditbeat';
  if (name.includes('logs-crowdstrike.fdr-')) return 'crowdstrike_fdr';
  if (name.includes('logs-sentinel_one_cloud_funnel.')) return 'sentinel_one_cloud_funnel';
  return 'ecs';
}

/** `.ds-logs-x-default-2026.01.01-000001` -> `logs-x-default-2026.01.01-000001`. */
function backingName(index: string): string {
  return index.startsWith('.ds-') ? index.slice(4) : index;
}
