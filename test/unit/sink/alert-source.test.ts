import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client, estypes } from '@elastic/elasticsearch';
import { ServiceUnavailableError } from '../../../src/errors.js';
import { ALERT_SOURCE_DATASET, ALERT_SOURCE_TIME_FIELD, alertSourceIndex, encodeAlertSource } from '../../../src/sink/alert-source.js';
import { writeAlertSources, type AlertSourceWrite } from '../../../src/sink/alert-writer.js';
import { encodeFinding } from '../../../src/sink/encode.js';
import { DEFEND_INPUT, FULL_INPUT } from './finding-inputs.js';

const CREATED_MS = Date.UTC(2026, 10, 1, 10, 48, 4);

describe('encodeAlertSource renders the finding as first written, for the Elastic Security rule', () => {
  const finding = encodeFinding(DEFEND_INPUT);
  const alert = encodeAlertSource(finding, CREATED_MS);

  it('stamps event.ingested with the time it is created, the field the rule selects on', () => {
    assert.equal(ALERT_SOURCE_TIME_FIELD, 'event.ingested');
    assert.equal((alert['event'] as Record<string, unknown>)['ingested'], '2026-11-01T10:48:04.000Z');
  });

  it('names its own dataset and carries the finding id as event.id and finding.id', () => {
    const event = alert['event'] as Record<string, unknown>;
    assert.equal(event['dataset'], ALERT_SOURCE_DATASET);
    assert.equal(event['id'], 'b054b3e5befedf368ff76e559f9676fc364b1d68');
    assert.equal((alert['finding'] as Record<string, unknown>)['id'], 'b054b3e5befedf368ff76e559f9676fc364b1d68');
  });

  it('keeps the entity fields risk scoring reads (host.name, user.name) and every other ECS field of the finding', () => {
    for (const key of ['@timestamp', 'message', 'ecs', 'host', 'user', 'process', 'related', 'rule', 'threat']) assert.deepEqual(alert[key], finding[key], key);
    const { ingested: _a, dataset: _b, id: _c, ...event } = alert['event'] as Record<string, unknown>;
    const { ingested: _d, dataset: _e, ...findingEvent } = finding['event'] as Record<string, unknown>;
    assert.deepEqual(event, findingEvent);
  });

  it('leaves out the event list, which can hold a thousand references', () => {
    const detail = alert['finding'] as Record<string, unknown>;
    assert.equal(Object.hasOwn(detail, 'events'), false);
    assert.equal(Object.hasOwn(detail, 'events_truncated'), false);
    assert.equal(detail['count'], 3);
    assert.deepEqual(detail['first_event'], (finding['finding'] as Record<string, unknown>)['first_event']);
  });

  it('does not change the finding it is made from', () => {
    const before = structuredClone(finding);
    encodeAlertSource(finding, CREATED_MS);
    assert.deepEqual(finding, before);
  });

  it('lives in the one index <alias>-alerts of the findings alias', () => {
    assert.equal(alertSourceIndex('curl-proxy-findings'), 'curl-proxy-findings-alerts');
  });
});

interface CreateCall {
  operations: unknown[];
}

/** A client implementing only bulk(), answering each create with the scripted status. */
function fakeClient(steps: (number[] | Error)[]): { client: Client; calls: CreateCall[] } {
  const calls: CreateCall[] = [];
  const bulk = async (request: CreateCall): Promise<estypes.BulkResponse> => {
    calls.push(structuredClone({ operations: request.operations }));
    const step = steps.shift();
    if (step === undefined) throw new Error(`unexpected bulk call #${calls.length}`);
    if (step instanceof Error) throw step;
    const actions = request.operations.filter((_o, i) => i % 2 === 0) as { create: { _index: string; _id: string } }[];
    assert.equal(actions.length, step.length);
    const items = actions.map((a, i) => {
      const status = step[i] as number;
      const error = status === 409 ? { type: 'version_conflict_engine_exception', reason: `[${a.create._id}]: version conflict, document already exists` } : status >= 300 ? { type: status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception', reason: 'scripted' } : undefined;
      return { create: { _index: a.create._index, _id: a.create._id, status, ...(error !== undefined ? { error } : {}) } };
    });
    return { took: 1, errors: items.some((i) => i.create.status >= 300), items } as estypes.BulkResponse;
  };
  return { client: { bulk } as unknown as Client, calls };
}

const writes: AlertSourceWrite[] = [
  { id: 'a'.repeat(40), finding: encodeFinding(DEFEND_INPUT) },
  { id: 'f'.repeat(40), finding: encodeFinding(FULL_INPUT) },
];

describe('writeAlertSources creates each alert source once and never updates it', () => {
  it('sends create actions (op_type create) under the finding ids, to the alert-source index', async () => {
    const { client, calls } = fakeClient([[201, 201]]);
    const result = await writeAlertSources(client, 'curl-proxy-findings-alerts', writes, { maxRetries: 3, backoffMs: 1, now: () => CREATED_MS });
    assert.deepEqual(result, { created: 2, existing: 0, dropped: [] });
    const ops = calls[0]?.operations ?? [];
    assert.deepEqual(ops[0], { create: { _index: 'curl-proxy-findings-alerts', _id: 'a'.repeat(40) } });
    assert.deepEqual(ops[2], { create: { _index: 'curl-proxy-findings-alerts', _id: 'f'.repeat(40) } });
    assert.equal(((ops[1] as Record<string, unknown>)['event'] as Record<string, unknown>)['ingested'], '2026-11-01T10:48:04.000Z');
  });

  it('counts a 409 as already there: a rewrite of the finding leaves its alert source as it was', async () => {
    const { client } = fakeClient([[409, 201]]);
    assert.deepEqual(await writeAlertSources(client, 'x-alerts', writes, { maxRetries: 3, backoffMs: 1 }), { created: 1, existing: 1, dropped: [] });
  });

  it('retries a 429 and stamps the retried document with the time of the retry, not of the first attempt', async () => {
    const { client, calls } = fakeClient([[201, 429], [201]]);
    let clock = CREATED_MS;
    const result = await writeAlertSources(client, 'x-alerts', writes, { maxRetries: 3, backoffMs: 1, now: () => (clock += 1_000), sleep: async () => undefined });
    assert.deepEqual(result, { created: 2, existing: 0, dropped: [] });
    const stamp = (call: CreateCall | undefined) => (((call?.operations[1] as Record<string, unknown>)['event'] as Record<string, unknown>)['ingested']);
    assert.equal(stamp(calls[0]), '2026-11-01T10:48:05.000Z');
    assert.equal(stamp(calls[1]), '2026-11-01T10:48:06.000Z');
  });

  it('drops a rejection for good with its reason, marked as an alert source', async () => {
    const { client } = fakeClient([[400, 201]]);
    const result = await writeAlertSources(client, 'x-alerts', writes, { maxRetries: 3, backoffMs: 1 });
    assert.deepEqual(result.dropped, [{ id: 'a'.repeat(40), status: 400, reason: 'alert source: mapper_parsing_exception: scripted' }]);
  });

  it('throws a retryable error when 429s outlast the retries, so the job and the cursor wait', async () => {
    const { client } = fakeClient([[429, 201], [429], [429]]);
    await assert.rejects(writeAlertSources(client, 'x-alerts', writes, { maxRetries: 2, backoffMs: 1, sleep: async () => undefined }), (err: unknown) => err instanceof ServiceUnavailableError && /writing alert sources: 1 item/.test(err.message));
  });

  it('makes no request for no findings', async () => {
    const { client, calls } = fakeClient([]);
    assert.deepEqual(await writeAlertSources(client, 'x-alerts', [], { maxRetries: 1, backoffMs: 1 }), { created: 0, existing: 0, dropped: [] });
    assert.equal(calls.length, 0);
  });
});
