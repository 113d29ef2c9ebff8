import type { FindingDocument } from './encode.js';

/**
 * `event.dataset` of an alert-source document: the finding as it was when it was first
 * written, which the Elastic Security rule `setup` installs turns into exactly one alert.
 */
export const ALERT_SOURCE_DATASET = 'curl_proxy_detector.alert';

/** The field the rule reads as its time (`timestamp_override`): set once, when the document is created. */
export const ALERT_SOURCE_TIME_FIELD = 'event.ingested';

/**
 * The index of the alert-source documents for a findings alias: one concrete, hidden index,
 * never rolled over. One index is what makes a finding's alert exactly once: a create with the
 * finding id can only ever succeed once there, and Kibana derives the alert id from the source
 * document's index, id and version, which never change (docs/setup.md, "Exactly one alert").
 * Hidden, so `<alias>*` (the data view, the worker's own searches) never sees it.
 */
export function alertSourceIndex(findingsAlias: string): string {
  return `${findingsAlias}-alerts`;
}

/** Finding fields an alert does not carry: the full event list can hold a thousand references. */
const LEFT_OUT_OF_FINDING = new Set(['events', 'events_truncated']);

/**
 * The alert-source document of a finding, from the finding document of its first write. It is
 * written once (op_type create) and never updated, so its `event.ingested`, the time the rule
 * selects on, is set exactly once. The finding itself keeps growing; the alert links to it by
 * `finding.id`.
 */
export function encodeAlertSource(finding: FindingDocument, createdMs: number): FindingDocument {
  const event = (finding.event ?? {}) as Record<string, unknown>;
  const detail = (finding.finding ?? {}) as Record<string, unknown>;
  const out: FindingDocument = {};
  for (const [key, value] of Object.entries(finding)) {
    if (key === 'event') {
      out.event = { ...event, ingested: new Date(createdMs).toISOString(), dataset: ALERT_SOURCE_DATASET, ...(typeof detail.id === 'string' ? { id: detail.id } : {}) };
    } else if (key === 'finding') {
      out.finding = Object.fromEntries(Object.entries(detail).filter(([k]) => !LEFT_OUT_OF_FINDING.has(k)));
    } else {
      out[key] = value;
    }
  }
  return out;
}
