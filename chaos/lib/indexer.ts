import type { GeneratedEvent } from './generator.js';
import type { RawPatch } from './malformed/cases.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What became of one event on its way into Elasticsearch. */
export type IndexOutcome =
  | { state: 'pending' }
  | { state: 'stored'; ackMs: number; liveTimeMs: number | undefined; sends: number }
  | { state: 'rejected'; status: number; reason: string };

/** Indexer settings. */
export interface IndexerOptions {
  esUrl: string;
  maxDocs: number;
  maxBytes: number;
  requestTimeoutMs: number;
  /**
   * A live document acknowledged more than this after its event.ingested stamp is sent again
   * with a fresh stamp: its ingest time must not lie about when it became searchable (a real
   * ingest pipeline stamps at ingest). Idempotent: same _id, same content otherwise. A live
   * document meant to go without a valid event.ingested that waited longer than this before
   * its send gets a stamp too (it would only be found by a stale @timestamp).
   */
  slowAckMs: number;
  /** Bound on re-sends after slow acknowledgements, per document. */
  maxRestamps: number;
}

/** Figures of the indexer, for the report. */
export interface IndexerStats {
  bulks: number;
  failedBulks: number;
  restamped: number;
  maxAckMs: number;
  maxQueued: number;
  /** Longest time without a successful bulk while documents waited (an outage as the producer saw it). */
  longestStallMs: number;
}

interface Item {
  event: GeneratedEvent;
  sends: number;
  restamps: number;
  /** Stamp event.ingested on this send (false only for a first send of 'omit'/'keep'). */
  stamp: boolean;
}


/**
 * A producer shipping documents to Elasticsearch the way an agent does: bulk requests, every
 * item inspected, refused documents (400) recorded as never stored, everything else retried
 * until it is stored. While Elasticsearch is down documents wait in order; event.ingested is
 * stamped at each send.
 */
export class Indexer {
  readonly outcomes = new Map<string, IndexOutcome>();
  readonly stats: IndexerStats = { bulks: 0, failedBulks: 0, restamped: 0, maxAckMs: 0, maxQueued: 0, longestStallMs: 0 };
  readonly #o: IndexerOptions;
  #queue: Item[] = [];
  #running = false;
  #inFlight = 0;
  #loop: Promise<void> | undefined;
  #lastSuccess = Date.now();

  constructor(options: IndexerOptions) {
    this.#o = options;
  }

  /** Queues events (in order). */
  push(events: readonly GeneratedEvent[]): void {
    for (const event of events) {
      this.outcomes.set(event.id, { state: 'pending' });
      this.#queue.push({ event, sends: 0, restamps: 0, stamp: event.ingested === 'stamp' });
    }
    this.stats.maxQueued = Math.max(this.stats.maxQueued, this.#queue.length);
  }

  /** Documents not sent or not acknowledged yet. */
  get queued(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Starts sending in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastSuccess = Date.now();
    this.#loop = this.#run();
  }

  /** Waits until the queue is empty or `deadline` passes, then stops. True when everything was sent. */
  async drain(deadline: number): Promise<boolean> {
    while (this.queued > 0 && Date.now() < deadline) await sleep(100);
    this.#running = false;
    await this.#loop;
    return this.queued === 0;
  }

  /** Sends a batch right now (the historical preload), retrying until `deadline`. */
  async sendAll(events: readonly GeneratedEvent[], deadline: number): Promise<void> {
    this.push(events);
    this.start();
    if (!(await this.drain(deadline))) throw new Error(`indexer: ${this.queued} documents still unsent at the deadline`);
  }

  async #run(): Promise<void> {
    let backoff = 250;
    while (this.#running) {
      const batch = this.#take();
      if (batch.length === 0) {
        await sleep(50);
        continue;
      }
      this.#inFlight = batch.length;
      const sent = await this.#send(batch);
      this.#inFlight = 0;
      if (sent) {
        backoff = 250;
        this.#lastSuccess = Date.now();
      } else {
        this.stats.failedBulks += 1;
        this.stats.longestStallMs = Math.max(this.stats.longestStallMs, Date.now() - this.#lastSuccess);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  }

  #take(): Item[] {
    const out: Item[] = [];
    let bytes = 0;
    while (this.#queue.length > 0 && out.length < this.#o.maxDocs) {
      const next = this.#queue[0] as Item;
      const size = estimateBytes(next.event);
      if (out.length > 0 && bytes + size > this.#o.maxBytes) break;
      out.push(next);
      bytes += size;
      this.#queue.shift();
    }
    return out;
  }

  /** One bulk request; failed items go back to the front of the queue. False when nothing was accepted. */
  async #send(batch: Item[]): Promise<boolean> {
    const stampMs = Date.now();
    const stamp = new Date(stampMs).toISOString();
    const lines: Buffer[] = [];
    for (const item of batch) {
      item.sends += 1;
      const doc = item.event.doc;
      // A live document sent without a valid event.ingested is only found by its @timestamp, so
      // it must go out promptly; one that waited (Elasticsearch down) gets a stamp, as a real
      // ingest pipeline would give it.
      if (!item.stamp && item.event.origin !== 'history' && stampMs - eventTimeMs(item.event) > this.#o.slowAckMs) item.stamp = true;
      if (item.stamp) ((doc.event ??= {}) as Record<string, unknown>).ingested = stamp;
      lines.push(Buffer.from(`${JSON.stringify({ index: { _index: item.event.index, _id: item.event.id } })}\n`), serialize(doc, item.event.raw), Buffer.from('\n'));
    }
    this.stats.bulks += 1;
    let items: { status: number; error?: { type?: string; reason?: string } }[];
    try {
      const res = await fetch(`${this.#o.esUrl}/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: Buffer.concat(lines),
        signal: AbortSignal.timeout(this.#o.requestTimeoutMs),
      });
      if (res.status !== 200) throw new Error(`bulk answered ${res.status}`);
      const body = (await res.json()) as { items?: Record<string, { status: number; error?: { type?: string; reason?: string } }>[] };
      items = (body.items ?? []).map((i) => Object.values(i)[0] ?? { status: 0 });
    } catch {
      this.#requeue(batch);
      return false;
    }
    const ackMs = Date.now() - stampMs;
    const retry: Item[] = [];
    let accepted = 0;
    batch.forEach((item, i) => {
      const r = items[i];
      const status = r?.status ?? 0;
      if (status >= 200 && status < 300) {
        accepted += 1;
        const live = item.event.origin !== 'history';
        if (live && ackMs > this.#o.slowAckMs && item.restamps < this.#o.maxRestamps) {
          this.stats.restamped += 1;
          item.restamps += 1;
          item.stamp = true;
          retry.push(item);
        } else {
          this.stats.maxAckMs = Math.max(this.stats.maxAckMs, live ? ackMs : 0);
          this.outcomes.set(item.event.id, { state: 'stored', ackMs, liveTimeMs: item.stamp ? stampMs : undefined, sends: item.sends });
        }
      } else if (status === 400) {
        accepted += 1;
        this.outcomes.set(item.event.id, { state: 'rejected', status, reason: `${r?.error?.type ?? 'error'}: ${(r?.error?.reason ?? '').slice(0, 200)}` });
      } else retry.push(item);
    });
    this.#requeue(retry);
    return accepted > 0 || retry.length === 0;
  }

  #requeue(items: Item[]): void {
    for (const item of items) {
      // A live document that may not have been stored is sent again with a valid, fresh
      // event.ingested: the live poller must be able to find it by ingest time.
      if (item.event.origin !== 'history') item.stamp = true;
    }
    this.#queue.unshift(...items);
  }
}

/** The document as bytes, with raw (possibly invalid UTF-8) sequences spliced in. */
export function serialize(doc: Record<string, unknown>, raw: readonly RawPatch[]): Buffer {
  let parts: (string | Buffer)[] = [JSON.stringify(doc)];
  for (const patch of raw) {
    parts = parts.flatMap((part) => {
      if (typeof part !== 'string') return [part];
      const pieces = part.split(patch.token);
      return pieces.flatMap((piece, i) => (i === 0 ? [piece] : [patch.bytes, piece]));
    });
  }
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

function eventTimeMs(e: GeneratedEvent): number {
  const ts = e.doc['@timestamp'];
  const t = typeof ts === 'number' ? ts : Date.parse(String(ts));
  return Number.isFinite(t) ? t : 0;
}

function estimateBytes(e: GeneratedEvent): number {
  const process = e.doc.process as { command_line?: unknown } | undefined;
  const line = typeof process?.command_line === 'string' ? process.command_line.length : 0;
  return 2_000 + line * 3;
}
