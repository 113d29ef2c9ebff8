import type { SkipReason } from '../normalize/ecs-to-cim.js';

/**
 * Every OpenTelemetry name this service emits: meter, metrics, attributes and spans. Domain
 * code uses these constants, never string literals, so docs/telemetry.md, dashboards and the
 * tests all read the same table. Metric attribute values are bounded (see the label lists).
 */

/** Instrumentation scope of every meter and tracer. */
export const instrumentationName = 'curl-proxy-detector';

/** Metric names (OTel dotted form; Prometheus shows them as `cpd_events_scanned_total` etc.). */
export const metricNames = {
  eventsScanned: 'cpd.events.scanned',
  eventsMatched: 'cpd.events.matched',
  eventsSuppressed: 'cpd.events.suppressed',
  eventsSkipped: 'cpd.events.skipped',
  eventsUndecided: 'cpd.events.undecided',
  findingsWritten: 'cpd.findings.written',
  findingsSuperseded: 'cpd.findings.superseded',
  findingsUnchanged: 'cpd.findings.unchanged',
  findingsWriteFailures: 'cpd.findings.write_failures',
  windowsQuarantined: 'cpd.windows.quarantined',
  jobDuration: 'cpd.job.duration',
  cursorLag: 'cpd.cursor.lag',
  queueDepth: 'cpd.queue.depth',
} as const;

/** Attribute names: the first group labels metrics (bounded values), the second only spans. */
export const attributeNames = {
  jobKind: 'cpd.job.kind',
  jobOutcome: 'cpd.job.outcome',
  skipReason: 'cpd.skip.reason',
  failureReason: 'cpd.failure.reason',
  queue: 'cpd.queue',
  queueState: 'cpd.queue.state',

  jobId: 'cpd.job.id',
  jobAttempt: 'cpd.job.attempt',
  rangeBasis: 'cpd.range.basis',
  rangeFrom: 'cpd.range.from',
  rangeTo: 'cpd.range.to',
  windowCount: 'cpd.window.count',
  windowsCompleted: 'cpd.window.completed',
  cursor: 'cpd.cursor',
  eventsScanned: 'cpd.events.scanned',
  eventsMatched: 'cpd.events.matched',
  findingsCount: 'cpd.findings.count',
  findingsWritten: 'cpd.findings.written',
} as const;

/** Span names: one per poll window, range job, processed range and bulk write. */
export const spanNames = {
  pollWindow: 'cpd.poll_window',
  job: 'cpd.job',
  processRange: 'cpd.process_range',
  writeFindings: 'cpd.write_findings',
} as const;

/** A span name from {@link spanNames}. */
export type SpanName = (typeof spanNames)[keyof typeof spanNames];

/** Value of `cpd.skip.reason` and `cpd.failure.reason` for anything outside the known lists. */
export const otherLabel = 'other';

/** Kind of a range job (`cpd.job.kind`). */
export type JobKind = 'live' | 'backfill';
/** Outcome of a range job (`cpd.job.outcome`). */
export type JobOutcome = 'ok' | 'error';
/** Why findings were not written (`cpd.failure.reason`). */
export type WriteFailureReason = 'dropped' | 'retry_exhausted' | 'unavailable';
/** BullMQ queue (`cpd.queue`). */
export type QueueLabel = 'live' | 'backfill';
/** BullMQ job state counted by `cpd.queue.depth` (`cpd.queue.state`). */
export type QueueState = 'waiting' | 'active' | 'delayed' | 'failed';

// `satisfies Record<SkipReason, true>` fails to compile when SkipReason gains or loses a value.
const skipReasons = Object.keys({ no_timestamp: 0, not_exec_action: 0, no_process_fields: 0, classify_error: 0 } satisfies Record<SkipReason, 0>) as SkipReason[];

/** The allowed values of each bounded metric attribute; anything else is recorded as `other`. */
export const labelValues = {
  jobKind: ['live', 'backfill'] satisfies JobKind[],
  jobOutcome: ['ok', 'error'] satisfies JobOutcome[],
  skipReason: skipReasons,
  failureReason: ['dropped', 'retry_exhausted', 'unavailable'] satisfies WriteFailureReason[],
  queue: ['live', 'backfill'] satisfies QueueLabel[],
  queueState: ['waiting', 'active', 'delayed', 'failed'] satisfies QueueState[],
} as const;

/** The label for `value`: itself when it is one of the allowed values of `attribute`, else `other`. */
export function boundLabel<K extends keyof typeof labelValues>(attribute: K, value: string): (typeof labelValues)[K][number] | typeof otherLabel {
  const allowed: readonly string[] = labelValues[attribute];
  return allowed.includes(value) ? (value as (typeof labelValues)[K][number]) : otherLabel;
}
