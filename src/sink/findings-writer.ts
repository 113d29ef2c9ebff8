import type { Client, estypes } from '@elastic/elasticsearch';
import { ServiceUnavailableError } from '../errors.js';
import { toServiceError } from '../source/errors.js';
import type { FindingDocument } from './encode.js';
import { setTimeout as defaultSleep } from 'node:timers/promises';

/** Items were still rejected with 429/5xx after every retry: retryable later, nothing written for them. */
export class WriteRetryExhaustedError extends ServiceUnavailableError {
  constructor(items: number, attempts: number, what = 'findings') {
    super('elasticsearch', `writing ${what}: ${items} item(s) still rejected with 429/5xx after ${attempts} attempts`);
  }
}

/** One finding to write. `version` is the group's count: it only grows, so a stale writer loses. */
export interface FindingWrite {
  id: string;
  index: string;
  version: number;
  document: FindingDocument;
}

/** Per-item outcome of a bulk write; nothing is dropped without a reason here. */
export interface WriteResult {
  written: number;
  /** A newer version (higher count) was already stored by another worker: nothing to do. */
  superseded: number;
  /** Rejected for good (mapping or validation errors): data the operator must look at. */
  dropped: { id: string; status: number; reason: string }[];
  /** Concrete index per written id (the alias resolves on first write). */
  indexById: Map<string, string>;
}

/** Writer options. */
export interface WriterOptions {
  refresh: 'false' | 'wait_for' | 'true';
  maxRetries: number;
  backoffMs: number;
  sleep?: (ms: number) => Promise<void>;
}


/**
 * Writes findings with a partial-failure bulk: every item is inspected; 429 and 5xx items are
 * retried with backoff, version conflicts mean a newer finding exists, other rejections are
 * counted with their reason. If retryable items remain after the retries, it throws a
 * retryable error so the job (and the cursor) wait.
 */
export async function writeFindings(client: Client, writes: readonly FindingWrite[], options: WriterOptions): Promise<WriteResult> {
  const result: WriteResult = { written: 0, superseded: 0, dropped: [], indexById: new Map() };
  let pending = [...writes];
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1));
    const operations = pending.flatMap((w) => [
      { index: { _index: w.index, _id: w.id, version: w.version, version_type: 'external_gte' as const } },
      w.document,
    ]);
    let response: estypes.BulkResponse;
    try {
      response = await client.bulk({ operations, refresh: options.refresh === 'false' ? false : options.refresh === 'true' ? true : 'wait_for' });
    } catch (err) {
      throw toServiceError(err, 'writing findings');
    }
    const retry: FindingWrite[] = [];
    // Walk what was sent, not what came back: an item missing from the response is retried.
    pending.forEach((w, i) => {
      const r = response.items[i]?.index;
      const status = r?.status ?? 0;
      if (r !== undefined && status >= 200 && status < 300) {
        result.written += 1;
        result.indexById.set(w.id, r._index);
      } else if (status === 409) {
        result.superseded += 1;
        if (r !== undefined) result.indexById.set(w.id, r._index);
      } else if (status === 429 || status >= 500 || status === 0) {
        retry.push(w);
      } else {
        const e = r?.error;
        result.dropped.push({ id: w.id, status, reason: `${e?.type ?? 'error'}: ${e?.reason ?? 'unknown'}` });
      }
    });
    pending = retry;
    if (pending.length > 0 && attempt >= options.maxRetries) {
      throw new WriteRetryExhaustedError(pending.length, attempt + 1);
    }
  }
  return result;
}
