import type { Client, estypes } from '@elastic/elasticsearch';
import { toServiceError } from '../source/errors.js';
import type { ReplayRecord } from './records.js';
import { setTimeout as defaultSleep } from 'node:timers/promises';

/** Per-item outcome of loading one batch; every record lands in exactly one bucket. */
export interface BatchOutcome {
  loaded: ReplayRecord[];
  /** 409 on `create`: a document with this `_id` is already there (an earlier replay). */
  alreadyPresent: ReplayRecord[];
  /** Refused for good (mapping or validation errors), with the reason Elasticsearch gave. */
  rejected: { record: ReplayRecord; status: number; reason: string }[];
  /** Still refused with 429/5xx after every retry: loading them again later will work. */
  unavailable: { record: ReplayRecord; status: number; reason: string }[];
}

/** Retry policy of a batch. */
export interface BulkOptions {
  maxRetries: number;
  backoffMs: number;
  sleep?: (ms: number) => Promise<void>;
}


/**
 * Loads records with `op_type: create` and their deterministic `_id` (create also works for
 * data streams). Every item is looked at: 201 loaded, 409 already present, 429/5xx retried
 * with exponential backoff, anything else counted with its reason. Documents are final ECS,
 * so no ingest pipeline runs on them (`pipeline: _none`; a final pipeline still would).
 * A failure of the whole request is retried when transient and thrown otherwise.
 */
export async function loadBatch(client: Client, records: readonly ReplayRecord[], options: BulkOptions): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { loaded: [], alreadyPresent: [], rejected: [], unavailable: [] };
  const sleep = options.sleep ?? defaultSleep;
  let pending = [...records];
  let lastTransient = new Map<ReplayRecord, { status: number; reason: string }>();
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > options.maxRetries) {
      for (const record of pending) outcome.unavailable.push({ record, ...(lastTransient.get(record) ?? { status: 0, reason: 'no answer' }) });
      break;
    }
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1));
    const operations = pending.flatMap((r) => [{ create: { _index: r.index, _id: r.id } }, r.document]);
    let response: estypes.BulkResponse;
    try {
      response = await client.bulk({ operations, pipeline: '_none', refresh: false });
    } catch (err) {
      const error = toServiceError(err, `loading ${pending.length} record(s)`);
      if (!error.retryable) throw error;
      lastTransient = new Map(pending.map((r) => [r, { status: 0, reason: error.message }]));
      continue;
    }
    const retry: ReplayRecord[] = [];
    lastTransient = new Map();
    response.items.forEach((item, i) => {
      const record = pending[i] as ReplayRecord;
      const result = item.create ?? item.index;
      const status = result?.status ?? 0;
      if (status >= 200 && status < 300) outcome.loaded.push(record);
      else if (status === 409) outcome.alreadyPresent.push(record);
      else {
        const reason = result?.error === undefined ? `HTTP ${status}` : `${result.error.type}: ${result.error.reason ?? 'no reason given'}`;
        if (status === 429 || status >= 500 || status === 0) {
          retry.push(record);
          lastTransient.set(record, { status, reason });
        } else outcome.rejected.push({ record, status, reason });
      }
    });
    pending = retry;
  }
  return outcome;
}
