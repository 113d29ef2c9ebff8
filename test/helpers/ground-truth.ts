import type { FindingSummary } from './pipeline.js';

/** A process start as a test indexed it. */
export interface TruthEvent {
  time: string;
  host: string;
  user: string;
  parent: string;
  commandLine: string;
  pid: number;
  ppid: number;
  proxied: boolean;
}

/**
 * The analytic's `tstats count min(_time) max(_time) by ...` over hourly UTC buckets,
 * computed directly from what the test indexed, without any of the product's code.
 */
export function expectedFromTruth(events: readonly TruthEvent[], bucketMs = 3_600_000): Omit<FindingSummary, 'id' | 'version'>[] {
  const groups = new Map<string, Omit<FindingSummary, 'id' | 'version'>>();
  for (const e of events) {
    if (!e.proxied) continue;
    const t = Date.parse(e.time);
    const bucket = Math.floor(t / bucketMs);
    const key = JSON.stringify([e.host, e.user, e.parent, e.commandLine, e.pid, e.ppid, bucket]);
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { host: e.host, user: e.user, parent: e.parent, commandLine: e.commandLine, pid: e.pid, count: 1, start: new Date(t).toISOString(), end: new Date(t).toISOString() });
    } else {
      g.count += 1;
      if (t < Date.parse(g.start)) g.start = new Date(t).toISOString();
      if (t > Date.parse(g.end)) g.end = new Date(t).toISOString();
    }
  }
  return [...groups.values()].sort((a, b) => `${a.host}|${a.commandLine}|${a.start}`.localeCompare(`${b.host}|${b.commandLine}|${b.start}`));
}
