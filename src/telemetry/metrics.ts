import { metrics, ValueType, type Attributes, type Meter, type ObservableResult } from '@opentelemetry/api';
import type { RangeStats } from '../aggregate/processor.js';
import { attributeNames as A, boundLabel, instrumentationName, metricNames as M, otherLabel, type JobKind, type JobOutcome, type QueueLabel, type QueueState, type WriteFailureReason } from './names.js';

/** Jobs counted in one BullMQ queue state (for `cpd.queue.depth`). */
export interface QueueDepth {
  queue: QueueLabel;
  state: QueueState;
  count: number;
}

/** Where the observable gauges read their values; called only when a reader collects. */
export interface GaugeSources {
  /** Seconds between now and the live cursor; undefined before the first live window. */
  cursorLagSeconds(): Promise<number | undefined>;
  queueDepths(): Promise<readonly QueueDepth[]>;
}

/** Tuning of {@link Metrics.observeGauges}. */
export interface GaugeOptions {
  /** A value read less than this long ago is reused, so frequent scrapes do not hit Redis each time. */
  minRefreshMs?: number;
  /** A read slower than this is abandoned for this collection (the gauge is left out). */
  timeoutMs?: number;
  /** Told about failed reads (the gauge is left out of that collection, nothing else happens). */
  onError?: (err: unknown, gauge: string) => void;
  now?: () => number;
}

/** The metrics domain code records. Every method is cheap and never throws. */
export interface Metrics {
  /** Adds one processed range's counters (scanned, matched, suppressed, skipped by reason, findings). */
  recordRange(kind: JobKind, stats: RangeStats): void;
  /** Records one range job's duration in seconds with its outcome. */
  recordJob(kind: JobKind, outcome: JobOutcome, seconds: number): void;
  /** Starts timing a job; call the returned function once with the outcome. */
  startJob(kind: JobKind): (outcome: JobOutcome) => void;
  /**
   * Counts findings a failed bulk write did not store (`other` when the failure fits no reason).
   * Not for `dropped`: recordRange counts those from the range's stats.
   */
  recordWriteFailure(reason: WriteFailureReason | typeof otherLabel, findings?: number): void;
  /** Counts a range given up because it fails the same way every time (quarantined, never silent). */
  recordQuarantine(kind: JobKind): void;
  /** Registers the cursor-lag and queue-depth gauges; `stop()` unregisters them (call before Redis closes). */
  observeGauges(sources: GaugeSources, options?: GaugeOptions): { stop(): void };
}

/** Bucket bounds of `cpd.job.duration` (seconds): a live window takes ~0.1 s, a backfill chunk minutes. */
export const jobDurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Creates the instruments on `meter`. Take the meter after the SDK has started
 * (`startTelemetry`): the metrics API has no proxy, so a meter taken before stays a no-op.
 */
export function createMetrics(meter: Meter = metrics.getMeter(instrumentationName)): Metrics {
  const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description, valueType: ValueType.INT });
  const scanned = counter(M.eventsScanned, '{event}', 'Process events read from Elasticsearch.');
  const matched = counter(M.eventsMatched, '{event}', 'Events on which the rule matched (curl through a proxy).');
  const suppressed = counter(M.eventsSuppressed, '{event}', 'Matches removed by a configured suppression.');
  const skipped = counter(M.eventsSkipped, '{event}', 'Events that could not be evaluated, by reason.');
  const undecided = counter(M.eventsUndecided, '{event}', 'Matches counted in doubt: a curl event read only in part (over a size limit) or one the rule failed on.');
  const written = counter(M.findingsWritten, '{finding}', 'Findings created or updated in Elasticsearch.');
  const superseded = counter(M.findingsSuperseded, '{finding}', 'Finding writes skipped because a newer version was already stored.');
  const unchanged = counter(M.findingsUnchanged, '{finding}', 'Findings not rewritten because their group did not change since the last write (overlapping live windows).');
  const quarantined = counter(M.windowsQuarantined, '{window}', 'Live windows given up because they fail the same way every time (recorded in Redis and shown by status).');
  const failures = counter(M.findingsWriteFailures, '{finding}', 'Findings a bulk write did not store, by reason.');
  const jobDuration = meter.createHistogram(M.jobDuration, {
    unit: 's',
    description: 'Duration of one range job (live window or backfill chunk).',
    advice: { explicitBucketBoundaries: jobDurationBuckets },
  });

  const add = (c: ReturnType<typeof counter>, value: number, attributes: Attributes) => {
    if (Number.isFinite(value) && value >= 0) c.add(value, attributes);
  };
  const recordJob = (kind: JobKind, outcome: JobOutcome, seconds: number) => {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    jobDuration.record(seconds, { [A.jobKind]: boundLabel('jobKind', kind), [A.jobOutcome]: boundLabel('jobOutcome', outcome) });
  };

  return {
    recordRange(kind, stats) {
      const k = { [A.jobKind]: boundLabel('jobKind', kind) };
      add(scanned, stats.scanned, k);
      add(matched, stats.matched, k);
      add(suppressed, stats.suppressed, k);
      add(undecided, stats.undecided, k);
      let byReason = 0;
      const perLabel = new Map<string, number>();
      for (const [reason, n] of Object.entries(stats.skippedBy)) {
        if (n === undefined || n <= 0) continue;
        const label = boundLabel('skipReason', reason);
        perLabel.set(label, (perLabel.get(label) ?? 0) + n);
        byReason += n;
      }
      // A total larger than its breakdown still counts, as `other`, so the sum always matches.
      if (stats.skipped > byReason) perLabel.set(otherLabel, (perLabel.get(otherLabel) ?? 0) + stats.skipped - byReason);
      for (const [label, n] of perLabel) add(skipped, n, { ...k, [A.skipReason]: label });
      add(written, stats.findingsWritten, k);
      add(superseded, stats.findingsSuperseded, k);
      add(unchanged, stats.findingsUnchanged, k);
      if (stats.findingsDropped > 0) add(failures, stats.findingsDropped, { [A.failureReason]: 'dropped' });
    },
    recordJob,
    startJob(kind) {
      const started = performance.now();
      let done = false;
      return (outcome) => {
        if (done) return;
        done = true;
        recordJob(kind, outcome, (performance.now() - started) / 1000);
      };
    },
    recordQuarantine(kind) {
      add(quarantined, 1, { [A.jobKind]: boundLabel('jobKind', kind) });
    },
    recordWriteFailure(reason, findings = 1) {
      add(failures, findings, { [A.failureReason]: boundLabel('failureReason', reason) });
    },
    observeGauges(sources, options = {}) {
      const lag = meter.createObservableGauge(M.cursorLag, {
        unit: 's',
        description: 'Seconds between now and the live cursor (how far live detection is behind), as stored in Redis and shared by all workers.',
      });
      const depth = meter.createObservableGauge(M.queueDepth, {
        unit: '{job}',
        description: 'Jobs in a BullMQ queue by state.',
        valueType: ValueType.INT,
      });
      const readLag = cached(() => sources.cursorLagSeconds(), options);
      const readDepths = cached(() => sources.queueDepths(), options);
      const onLag = async (result: ObservableResult) => {
        const v = await readOrReport(readLag, M.cursorLag, options);
        if (v !== undefined && Number.isFinite(v)) result.observe(Math.max(0, v));
      };
      const onDepth = async (result: ObservableResult) => {
        const depths = await readOrReport(readDepths, M.queueDepth, options);
        for (const d of depths ?? []) {
          if (!Number.isFinite(d.count)) continue;
          result.observe(d.count, { [A.queue]: boundLabel('queue', d.queue), [A.queueState]: boundLabel('queueState', d.state) });
        }
      };
      lag.addCallback(onLag);
      depth.addCallback(onDepth);
      return {
        stop() {
          lag.removeCallback(onLag);
          depth.removeCallback(onDepth);
        },
      };
    },
  };
}

/**
 * Wraps an async read: a value younger than `minRefreshMs` is reused and concurrent callers
 * share one read in flight, so two readers (OTLP push and a Prometheus scrape) cost one query.
 */
function cached<T>(read: () => Promise<T>, options: GaugeOptions): () => Promise<T> {
  const minRefreshMs = options.minRefreshMs ?? 5_000;
  const now = options.now ?? Date.now;
  let last: { at: number; value: T } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < minRefreshMs) return Promise.resolve(last.value);
    inFlight ??= read()
      .then((value) => {
        last = { at: now(), value };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

/** The value, or undefined after reporting a failure or a timeout (the gauge is skipped once). */
async function readOrReport<T>(read: () => Promise<T>, gauge: string, options: GaugeOptions): Promise<T | undefined> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reading ${gauge} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([read(), timeout]);
  } catch (err) {
    options.onError?.(err, gauge);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
