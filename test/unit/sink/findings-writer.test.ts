import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { InputError, ServiceUnavailableError } from '../../../src/errors.js';
import { writeFindings, type FindingWrite, type WriterOptions } from '../../../src/sink/findings-writer.js';

const ALIAS = 'curl-proxy-findings';
const CONCRETE = 'curl-proxy-findings-000001';

/** What one bulk call sent. */
interface BulkCall {
  operations: unknown[];
  refresh: unknown;
}

/**
 * One scripted bulk answer: index-action results in request order, a whole response as it is
 * (`raw`), or a thrown transport error.
 */
type Step = ((call: BulkCall) => estypes.BulkResponseItem[]) | { raw: estypes.BulkResponse } | Error;

/**
 * A stand-in for the Elasticsearch client implementing only `bulk()`: enough for the writer's
 * partial-failure logic, which is what these tests are about (the real cluster is exercised by
 * the integration tests).
 */
function fakeClient(steps: Step[]): { client: Client; calls: BulkCall[] } {
  const calls: BulkCall[] = [];
  const bulk = async (request: BulkCall): Promise<estypes.BulkResponse> => {
    const call = structuredClone({ operations: request.operations, refresh: request.refresh });
    calls.push(call);
    const step = steps.shift();
    if (step === undefined) throw new Error(`unexpected bulk call #${calls.length}`);
    if (step instanceof Error) throw step;
    if ('raw' in step) return step.raw;
    const items = step(call).map((r) => ({ index: r }));
    return { took: 1, errors: items.some((i) => i.index.status >= 300), items };
  };
  return { client: { bulk } as unknown as Client, calls };
}

/** The `_id`s of the index actions of a bulk call, in order. */
function ids(call: BulkCall | undefined): string[] {
  assert.ok(call !== undefined);
  return call.operations.filter((_op, i) => i % 2 === 0).map((op) => (op as { index: { _id: string } }).index._id);
}

const created = (id: string): estypes.BulkResponseItem => ({ _index: CONCRETE, _id: id, status: 201, result: 'created', _version: 3 });
const updated = (id: string): estypes.BulkResponseItem => ({ _index: CONCRETE, _id: id, status: 200, result: 'updated', _version: 4 });
const conflict = (id: string): estypes.BulkResponseItem => ({
  _index: CONCRETE,
  _id: id,
  status: 409,
  error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, current version [7] is higher than the one provided [3]` },
});
const tooMany = (id: string): estypes.BulkResponseItem => ({
  _index: ALIAS,
  _id: id,
  status: 429,
  error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
});
const unavailable = (id: string): estypes.BulkResponseItem => ({ _index: ALIAS, _id: id, status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } });
const badMapping = (id: string): estypes.BulkResponseItem => ({
  _index: CONCRETE,
  _id: id,
  status: 400,
  error: { type: 'mapper_parsing_exception', reason: "failed to parse field [process.pid] of type [long] in document with id 'f2'" },
});
const byStatus: Record<number, (id: string) => estypes.BulkResponseItem> = { 200: updated, 201: created, 409: conflict, 429: tooMany, 400: badMapping, 503: unavailable };

/** A step answering each item of the call with the status at its position. */
function statuses(...codes: number[]): Step {
  return (call) => {
    const sent = ids(call);
    assert.equal(sent.length, codes.length, `the test scripted ${codes.length} answers for ${sent.length} items`);
    return sent.map((id, i) => (byStatus[codes[i] as number] as (id: string) => estypes.BulkResponseItem)(id));
  };
}

function write(id: string, version = 3): FindingWrite {
  return { id, index: ALIAS, version, document: { '@timestamp': '2026-11-01T10:15:30.123Z', finding: { count: version } } };
}

function options(overrides: Partial<WriterOptions> = {}): WriterOptions & { delays: number[] } {
  const delays: number[] = [];
  return { refresh: 'false', maxRetries: 5, backoffMs: 100, sleep: async (ms) => void delays.push(ms), delays, ...overrides };
}

describe('writeFindings sends versioned index actions', () => {
  it('writes each finding under its deterministic id with its count as an external_gte version', async () => {
    const { client, calls } = fakeClient([statuses(201, 201)]);
    await writeFindings(client, [write('f1', 3), write('f2', 8)], options());
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.operations, [
      { index: { _index: ALIAS, _id: 'f1', version: 3, version_type: 'external_gte' } },
      { '@timestamp': '2026-11-01T10:15:30.123Z', finding: { count: 3 } },
      { index: { _index: ALIAS, _id: 'f2', version: 8, version_type: 'external_gte' } },
      { '@timestamp': '2026-11-01T10:15:30.123Z', finding: { count: 8 } },
    ]);
  });

  const refreshes: [configured: WriterOptions['refresh'], sent: unknown][] = [
    ['false', false],
    ['true', true],
    ['wait_for', 'wait_for'],
  ];
  for (const [configured, sent] of refreshes) {
    it(`sends refresh ${JSON.stringify(sent)} for sink.refresh "${configured}"`, async () => {
      const { client, calls } = fakeClient([statuses(201)]);
      await writeFindings(client, [write('f1')], options({ refresh: configured }));
      assert.equal(calls[0]?.refresh, sent);
    });
  }

  it('makes no request for an empty batch', async () => {
    const { client, calls } = fakeClient([]);
    const result = await writeFindings(client, [], options());
    assert.equal(calls.length, 0);
    assert.deepEqual(result, { written: 0, superseded: 0, dropped: [], indexById: new Map() });
  });
});

describe('writeFindings looks at every item of the bulk response', () => {
  it('counts 201 created and 200 updated as written, with the concrete index the alias resolved to', async () => {
    const { client } = fakeClient([statuses(201, 200)]);
    const result = await writeFindings(client, [write('f1'), write('f2')], options());
    assert.equal(result.written, 2);
    assert.equal(result.superseded, 0);
    assert.deepEqual(result.dropped, []);
    assert.deepEqual([...result.indexById], [
      ['f1', CONCRETE],
      ['f2', CONCRETE],
    ]);
  });

  it('counts a 409 version conflict as superseded (a higher count is stored) and does not retry it', async () => {
    const { client, calls } = fakeClient([statuses(409)]);
    const result = await writeFindings(client, [write('f1')], options());
    assert.equal(calls.length, 1);
    assert.equal(result.written, 0);
    assert.equal(result.superseded, 1);
    assert.deepEqual(result.dropped, []);
    assert.equal(result.indexById.get('f1'), CONCRETE);
  });

  it('drops a 400 mapper_parsing_exception with its status and reason, and does not retry it', async () => {
    const { client, calls } = fakeClient([statuses(400)]);
    const result = await writeFindings(client, [write('f2')], options());
    assert.equal(calls.length, 1);
    assert.equal(result.written, 0);
    assert.deepEqual(result.dropped, [
      { id: 'f2', status: 400, reason: "mapper_parsing_exception: failed to parse field [process.pid] of type [long] in document with id 'f2'" },
    ]);
    assert.equal(result.indexById.has('f2'), false);
  });

  it('drops a rejection without an error body with a reason that says so', async () => {
    const { client } = fakeClient([() => [{ _index: CONCRETE, _id: 'f1', status: 404 }]]);
    const result = await writeFindings(client, [write('f1')], options());
    assert.deepEqual(result.dropped, [{ id: 'f1', status: 404, reason: 'error: unknown' }]);
  });

  it('retries a 429 and counts it written once it succeeds, waiting backoffMs first', async () => {
    const { client, calls } = fakeClient([statuses(429), statuses(201)]);
    const opts = options({ backoffMs: 250 });
    const result = await writeFindings(client, [write('f1')], opts);
    assert.equal(calls.length, 2);
    assert.equal(result.written, 1);
    assert.deepEqual(result.dropped, []);
    assert.deepEqual(opts.delays, [250]);
  });

  it('retries a 5xx item the same way', async () => {
    const { client, calls } = fakeClient([statuses(503), statuses(201)]);
    const result = await writeFindings(client, [write('f1')], options());
    assert.equal(calls.length, 2);
    assert.equal(result.written, 1);
  });

  it('retries an item whose result is not under its index action (status unknown)', async () => {
    const { client, calls } = fakeClient([{ raw: { took: 1, errors: true, items: [{ create: created('f1') }] } }, statuses(201)]);
    const result = await writeFindings(client, [write('f1')], options());
    assert.equal(calls.length, 2);
    assert.equal(result.written, 1);
  });

  // Regression (fixed; src/sink/findings-writer.ts, writeFindings: `response.items.forEach(...)`): the loop
  // walks the response items, not the items sent. When a response lists fewer items than the
  // request (a truncated body, a proxy in between), the missing findings are neither written,
  // retried nor dropped with a reason: the result says 0 written, 0 dropped and the cursor moves
  // on. Walking `pending` and treating a missing item as status 0 (retry) would fix it.
  it('never loses an item the response does not mention: it is retried', async () => {
    const { client, calls } = fakeClient([{ raw: { took: 1, errors: false, items: [{ index: created('f1') }] } }, statuses(201)]);
    const result = await writeFindings(client, [write('f1'), write('f2')], options());
    assert.equal(calls.length, 2);
    assert.deepEqual(ids(calls[1]), ['f2']);
    assert.equal(result.written, 2);
  });

  it('resends only the retryable items of a mixed batch and keeps every outcome', async () => {
    const { client, calls } = fakeClient([statuses(201, 429, 400, 409, 503), statuses(201, 201)]);
    const opts = options();
    const result = await writeFindings(client, [write('f1'), write('f2'), write('f3'), write('f4'), write('f5')], opts);
    assert.deepEqual(ids(calls[0]), ['f1', 'f2', 'f3', 'f4', 'f5']);
    assert.deepEqual(ids(calls[1]), ['f2', 'f5']);
    assert.equal(result.written, 3);
    assert.equal(result.superseded, 1);
    assert.deepEqual(result.dropped.map((d) => [d.id, d.status]), [['f3', 400]]);
    assert.deepEqual([...result.indexById.keys()].sort(), ['f1', 'f2', 'f4', 'f5']);
    assert.deepEqual(opts.delays, [100]);
  });

  it('resends the retried item with its own version and document', async () => {
    const { client, calls } = fakeClient([statuses(201, 429), statuses(201)]);
    await writeFindings(client, [write('f1', 3), write('f2', 9)], options());
    assert.deepEqual(calls[1]?.operations, [
      { index: { _index: ALIAS, _id: 'f2', version: 9, version_type: 'external_gte' } },
      { '@timestamp': '2026-11-01T10:15:30.123Z', finding: { count: 9 } },
    ]);
  });
});

describe('writeFindings backs off exponentially and gives up with a retryable error', () => {
  it('doubles the wait at each retry', async () => {
    const { client, calls } = fakeClient([statuses(429), statuses(429), statuses(429), statuses(201)]);
    const opts = options({ backoffMs: 100, maxRetries: 5 });
    const result = await writeFindings(client, [write('f1')], opts);
    assert.equal(calls.length, 4);
    assert.equal(result.written, 1);
    assert.deepEqual(opts.delays, [100, 200, 400]);
  });

  it('throws ServiceUnavailableError after maxRetries retries of an item that stays 429', async () => {
    const { client, calls } = fakeClient([statuses(429), statuses(429), statuses(429), statuses(429), statuses(429)]);
    const opts = options({ backoffMs: 100, maxRetries: 3 });
    await assert.rejects(writeFindings(client, [write('f1')], opts), (err: unknown) => {
      assert.ok(err instanceof ServiceUnavailableError, String(err));
      assert.equal(err.code, 'CPD_ES_UNAVAILABLE');
      assert.equal(err.retryable, true);
      assert.match(err.message, /1 item\(s\) still rejected with 429\/5xx after 4 attempts/);
      return true;
    });
    assert.equal(calls.length, 4, 'one attempt plus maxRetries retries');
    assert.deepEqual(opts.delays, [100, 200, 400]);
  });

  it('makes a single attempt and does not wait when maxRetries is 0', async () => {
    const { client, calls } = fakeClient([statuses(429)]);
    const opts = options({ maxRetries: 0 });
    await assert.rejects(writeFindings(client, [write('f1')], opts), ServiceUnavailableError);
    assert.equal(calls.length, 1);
    assert.deepEqual(opts.delays, []);
  });

  it('gives up on the retryable items even when others of the batch were written', async () => {
    const { client } = fakeClient([statuses(201, 503), statuses(503)]);
    await assert.rejects(writeFindings(client, [write('f1'), write('f2')], options({ maxRetries: 1 })), ServiceUnavailableError);
  });
});

describe('writeFindings turns transport failures into typed errors', () => {
  const failures: [name: string, error: Error, expected: typeof ServiceUnavailableError | typeof InputError][] = [
    ['a connection error', new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), ServiceUnavailableError],
    ['a timeout', new errors.TimeoutError('Request timed out'), ServiceUnavailableError],
    ['no living connections', new errors.NoLivingConnectionsError('There are no living connections', { body: null, statusCode: 0, headers: {}, warnings: null, meta: {} } as unknown as ConstructorParameters<typeof errors.NoLivingConnectionsError>[1]), ServiceUnavailableError],
    ['an unexpected error', new Error('socket hang up'), ServiceUnavailableError],
    ['a whole-request 429', responseError(429, 'circuit_breaking_exception', '[parent] Data too large'), ServiceUnavailableError],
    ['a whole-request 503', responseError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/2/no master]'), ServiceUnavailableError],
    ['a whole-request 400 (our request is wrong: retrying cannot help)', responseError(400, 'illegal_argument_exception', 'bad bulk body'), InputError],
  ];
  for (const [name, error, expected] of failures) {
    it(`throws ${expected.name} for ${name}, keeping the cause`, async () => {
      const { client } = fakeClient([error]);
      await assert.rejects(writeFindings(client, [write('f1')], options()), (err: unknown) => {
        assert.ok(err instanceof expected, `expected ${expected.name}, got ${String(err)}`);
        assert.equal(err.cause, error);
        assert.match(err.message, /writing findings/);
        return true;
      });
    });
  }

  it('throws ServiceUnavailableError when the transport fails on a retry', async () => {
    const { client, calls } = fakeClient([statuses(429), new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200')]);
    await assert.rejects(writeFindings(client, [write('f1')], options()), ServiceUnavailableError);
    assert.equal(calls.length, 2);
  });
});

function responseError(statusCode: number, type: string, reason: string): InstanceType<typeof errors.ResponseError> {
  const meta = { body: { error: { type, reason }, status: statusCode }, statusCode, headers: {}, warnings: null, meta: {} };
  return new errors.ResponseError(meta as unknown as ConstructorParameters<typeof errors.ResponseError>[0]);
}
