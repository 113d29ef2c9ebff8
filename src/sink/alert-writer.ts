import type { Client, estypes } from '@elastic/elasticsearch';
import { setTimeout as defaultSleep } from 'node:timers/promises';
import { toServiceError } from '../source/errors.js';
import { encodeAlertSource } from './alert-source.js';
import type { FindingDocument } from './encode.js';
import { WriteRetryExhaustedError } from './findings-writer.js';

/** A finding whose alert source should exist: its id and the document just written for it. */
export interface AlertSourceWrite {
  id: string;
  finding: FindingDocument;
}

/** Per-item outcome; nothing is dropped without a reason. */
export interface AlertWriteResult {
  /** Created now: the rule will raise this finding's one alert. */
  created: number;
  /** Already there (409): the finding has its alert source; it was never changed. */
  existing: number;
  /** Rejected for good (mapping or validation errors): the operator must look at them. */
  dropped: { id: string; status: number; reason: string }[];
}

/** Options of the alert-source writer. */
export interface AlertWriterOptions {
  maxRetries: number;
  backoffMs: number;
  /** Wall clock for `event.ingested`, read at each attempt. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Creates the alert-source document of each finding with `op_type: create` under the finding's
 * id: the first create succeeds, every later one (a rewrite, a retry, another worker) answers
 * 409 and changes nothing, so the document and its `event.ingested` are written exactly once.
 * `event.ingested` is stamped at each attempt, right before the request, so the time the rule
 * selects on is never older than the write by more than one request. 429 and 5xx are retried
 * with backoff; if some remain, it throws a retryable error so the job (and the cursor) wait.
 */
export async function writeAlertSources(client: Client, index: string, writes: readonly AlertSourceWrite[], options: AlertWriterOptions): Promise<AlertWriteResult> {
  const result: AlertWriteResult = { created: 0, existing: 0, dropped: [] };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  let pending = [...writes];
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1));
    const stamp = now();
    const operations = pending.flatMap((w) => [{ create: { _index: index, _id: w.id } }, encodeAlertSource(w.finding, stamp)]);
    let response: estypes.BulkResponse;
    try {
      response = await client.bulk({ operations, refresh: false });
    } catch (err) {
      throw toServiceError(err, 'writing alert sources');
    }
    const retry: AlertSourceWrite[] = [];
    pending.forEach((w, i) => {
      const r = response.items[i]?.create;
      const status = r?.status ?? 0;
      if (r !== undefined && status >= 200 && status < 300) result.created += 1;
      else if (status === 409) result.existing += 1;
      else if (status === 429 || status >= 500 || status === 0) retry.push(w);
      else result.dropped.push({ id: w.id, status, reason: `alert source: ${r?.error?.type ?? 'error'}: ${r?.error?.reason ?? 'no reason given'}` });
    });
    pending = retry;
    if (pending.length > 0 && attempt >= options.maxRetries) throw new WriteRetryExhaustedError(pending.length, attempt + 1, 'alert sources');
  }
  return result;
}
