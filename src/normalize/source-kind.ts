import type { SourceKind } from './fields.js';
import { asString, getPath } from './values.js';

/**
 * Which producer wrote an event: from its dataset first (set by Elastic Agent integrations),
 * then module/agent fields (Beats), then the index name.
 */
export function detectSourceKind(source: unknown, index: string): SourceKind {
  const dataset = asString(getPath(source, 'data_stream.dataset'), 200) ?? asString(getPath(source, 'event.dataset'), 200) ?? '';
  if (dataset.startsWith('endpoint.events.process')) return 'elastic_defend';
  if (dataset.startsWith('auditd_manager.')) return 'auditd_manager';
  if (dataset.startsWith('sysmon_linux.')) return 'sysmon_linux';
  const agentType = asString(getPath(source, 'agent.type'), 200);
  if (agentType === 'auditbeat') return 'auditbeat';
  const name = backingName(index);
  if (name.includes('logs-endpoint.events.process')) return 'elastic_defend';
  if (name.includes('logs-auditd_manager.')) return 'auditd_manager';
  if (name.includes('logs-sysmon_linux.')) return 'sysmon_linux';
  if (name.startsWith('auditbeat-')) return 'auditbeat';
  return 'ecs';
}

/** `.ds-logs-x-default-2026.01.01-000001` -> `logs-x-default-2026.01.01-000001`. */
function backingName(index: string): string {
  return index.startsWith('.ds-') ? index.slice(4) : index;
}
