import type { GeneratedEvent, Origin } from './generator.js';
import type { IndexOutcome } from './indexer.js';
import type { MalformedCase } from './malformed/cases.js';
import type { EventFigures } from './report.js';
import type { SourceDoc } from './source.js';

/** What the source indices hold compared with what the generator sent. */
export interface SourceAudit {
  /** Generated events present in Elasticsearch at the end: the truth is computed over these. */
  present: GeneratedEvent[];
  discrepancies: string[];
  byOrigin: Record<Origin, EventFigures>;
  malformed: Record<string, EventFigures & { truth: string }>;
  total: EventFigures;
}

const empty = (): EventFigures => ({ generated: 0, stored: 0, rejected: 0, counted: 0 });

/**
 * Reconciles three views of every event: what the generator built, what the bulk responses
 * said, and what Elasticsearch holds at the end. The truth is taken over what Elasticsearch
 * holds; any disagreement between the views is listed (it would make the truth doubtful).
 */
export function auditSource(
  events: readonly GeneratedEvent[],
  outcomes: ReadonlyMap<string, IndexOutcome>,
  stored: ReadonlyMap<string, SourceDoc>,
  cases: readonly MalformedCase[],
): SourceAudit {
  const byOrigin: Record<Origin, EventFigures> = { live: empty(), late: empty(), very_late: empty(), history: empty() };
  const malformed: SourceAudit['malformed'] = Object.fromEntries(cases.map((c) => [c.name, { ...empty(), truth: c.truth }]));
  const total = empty();
  const present: GeneratedEvent[] = [];
  const discrepancies: string[] = [];
  const generated = new Set<string>();
  for (const e of events) {
    generated.add(e.id);
    const figures = [byOrigin[e.origin], total, ...(e.malformed !== undefined && malformed[e.malformed] !== undefined ? [malformed[e.malformed] as EventFigures] : [])];
    const bump = (k: keyof EventFigures) => figures.forEach((f) => (f[k] += 1));
    bump('generated');
    const doc = stored.get(e.id);
    const outcome = outcomes.get(e.id) ?? { state: 'pending' };
    if (doc === undefined) {
      if (outcome.state === 'rejected') {
        bump('rejected');
        if (!e.expectRejection) discrepancies.push(`${e.id} (${e.malformed ?? 'well-formed'}): refused by Elasticsearch (${outcome.reason}), but built to be stored`);
      } else discrepancies.push(`${e.id}: the indexer recorded ${outcome.state}, but the document is not in Elasticsearch`);
      continue;
    }
    bump('stored');
    present.push(e);
    if (e.expect.counted) bump('counted');
    if (outcome.state === 'rejected') discrepancies.push(`${e.id}: refused by a bulk response (${outcome.reason}), yet present in Elasticsearch`);
    if (e.expectRejection) discrepancies.push(`${e.id} (${e.malformed ?? '?'}): stored, but Elasticsearch was expected to refuse it; the truth for it is unknown`);
    if (doc.index !== e.index) discrepancies.push(`${e.id}: in ${doc.index}, expected ${e.index}`);
    if (JSON.stringify(doc.timestamp) !== JSON.stringify(e.doc['@timestamp'])) {
      discrepancies.push(`${e.id}: @timestamp ${JSON.stringify(doc.timestamp)} in Elasticsearch, generated ${JSON.stringify(e.doc['@timestamp'])}`);
    }
  }
  for (const id of stored.keys()) if (!generated.has(id)) discrepancies.push(`${id}: in the source indices but never generated`);
  return { present, discrepancies, byOrigin, malformed, total };
}
