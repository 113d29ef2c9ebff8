import type { SetupReport, SetupStep } from './setup.js';

const LABEL = 16;
const SUBJECT = 60;

/** One human-readable line per step: what, which object, and created / updated / unchanged. */
export function formatStep(s: SetupStep): string {
  switch (s.step) {
    case 'ilm-policy':
      return row('ILM policy', s.name, s.status) + (s.operationMode === 'RUNNING' ? '' : ` (ILM is ${s.operationMode} on this cluster)`);
    case 'template':
      return row('index template', `${s.name} (for ${s.pattern})`, s.status);
    case 'write-index':
      return row('write index', `${s.index ?? '?'} behind alias ${s.alias}`, s.status === 'created' ? 'created' : 'exists, unchanged');
    case 'write-index-lifecycle':
      return row('index lifecycle', `${s.index} follows ${s.policy}`, s.status);
    case 'ilm-absent':
      return `notice: ${s.notice}`;
    case 'field-types':
      return row('field types', 'process.command_line, message', `${s.wildcard ? 'wildcard' : 'keyword (no wildcard here)'}, ${s.matchOnlyText ? 'match_only_text' : 'text (no match_only_text here)'}`);
    case 'alerts-template':
      return row('index template', `${s.name} (alert sources)`, s.status);
    case 'alerts-index':
      return row('alert sources', `${s.index} (hidden)`, s.status === 'created' ? 'created' : 'exists, unchanged');
    case 'kibana-object': {
      const o = s.object;
      const moved = o.destinationId !== undefined ? ` (stored as ${o.destinationId}: the id exists in another space)` : '';
      return row('Kibana', `${o.type} ${o.id}`, o.status) + moved;
    }
    case 'kibana-rule': {
      const r = s.rule;
      const state = r.enabled ? 'enabled' : 'disabled (left as you set it)';
      const kept = r.status === 'unchanged' && (r.installedVersion ?? 0) > r.version ? ` (installed version ${r.installedVersion} is newer, left as it is)` : '';
      return row('Kibana', `rule ${r.ruleId} v${r.version}`, `${r.status}, ${state}${kept}`);
    }
    case 'kibana-skipped':
      return row('Kibana', 'saved objects and rule', `skipped: ${s.reason}`);
  }
}

/** The closing line: says plainly when a run changed nothing. */
export function formatSummary(report: SetupReport): string {
  if (!report.changed) return 'setup: everything was already in place; nothing changed';
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const s of report.steps) {
    const status = s.step === 'kibana-object' ? s.object.status : s.step === 'kibana-rule' ? s.rule.status : 'status' in s ? s.status : undefined;
    if (status !== undefined) counts[status] += 1;
  }
  return `setup: done (${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged)`;
}

function row(label: string, subject: string, status: string): string {
  return `${label.padEnd(LABEL)}${subject.padEnd(SUBJECT)} ${status}`;
}
