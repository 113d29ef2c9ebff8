import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { loadBatch } from '../../../src/replay/bulk-load.js';
import type { ReplayRecord } from '../../../src/replay/records.js';
import { ServiceUnavailableError } from '../../../src/errors.js';

function rec(line: number): ReplayRecord {
  return { line, id: `id-${line}`, index: 'cpdt-x', timeMs: 0, document: { '@timestamp': '2026-11-01T00:00:00Z' } };
}

type Item = { status: number; error?: { type: string; reason: string } };

/** A client whose bulk answers from a script: one array of item results per call (by record id), or an error to throw. */
function fakeClient(script: (ids: string[], call: number) => Item[] | Error): { client: Client; calls: { ids: string[]; params: Record<string, unknown> }[] } {
  const calls: { ids: string[]; params: Record<string, unknown> }[] = [];
  const client = {
    async bulk(params: { operations: Record<string, { _id: string }>[] }) {
      const ids = params.operations.filter((_, i) => i % 2 === 0).map((op) => (op.create as { _id: string })._id);
      calls.push({ ids, params });
      const answer = script(ids, calls.length);
      if (answer instanceof Error) throw answer;
      return { errors: answer.some((a) => a.status >= 300), took: 1, items: answer.map((a) => ({ create: { _index: 'cpdt-x', ...a } })) };
    },
  };
  return { client: client as unknown as Client, calls };
}

const noSleep = async () => undefined;

describe('loadBatch looks at every item', () => {
  it('counts 201 as loaded, 409 as already present and a mapping error as rejected with its reason', async () => {
    const { client, calls } = fakeClient(() => [
      { status: 201 },
      { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } },
      { status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [process.pid]' } },
    ]);
    const out = await loadBatch(client, [rec(1), rec(2), rec(3)], { maxRetries: 3, backoffMs: 1, sleep: noSleep });
    assert.deepEqual(out.loaded.map((r) => r.line), [1]);
    assert.deepEqual(out.alreadyPresent.map((r) => r.line), [2]);
    assert.deepEqual(out.rejected.map((r) => [r.record.line, r.status, r.reason]), [[3, 400, 'document_parsing_exception: failed to parse field [process.pid]']]);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.params.pipeline, '_none', 'documents are final ECS: no ingest pipeline');
    assert.deepEqual((calls[0]?.params.operations as unknown[])[0], { create: { _index: 'cpdt-x', _id: 'id-1' } }, 'op_type create with the deterministic id');
  });

  it('retries only the items refused with 429 or 5xx, with exponential backoff', async () => {
    const sleeps: number[] = [];
    const { client, calls } = fakeClient((ids, call) => ids.map((id) => (call < 3 && id !== 'id-1' ? { status: call === 1 ? 429 : 503, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } : { status: 201 })));
    const out = await loadBatch(client, [rec(1), rec(2), rec(3)], { maxRetries: 5, backoffMs: 100, sleep: async (ms) => void sleeps.push(ms) });
    assert.deepEqual(out.loaded.map((r) => r.line).sort(), [1, 2, 3]);
    assert.deepEqual(calls.map((c) => c.ids), [['id-1', 'id-2', 'id-3'], ['id-2', 'id-3'], ['id-2', 'id-3']]);
    assert.deepEqual(sleeps, [100, 200]);
  });

  it('reports items still refused after every retry as unavailable, with the last reason', async () => {
    const { client, calls } = fakeClient((ids) => ids.map(() => ({ status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } })));
    const out = await loadBatch(client, [rec(1)], { maxRetries: 2, backoffMs: 1, sleep: noSleep });
    assert.equal(calls.length, 3);
    assert.deepEqual(out.unavailable.map((u) => [u.record.line, u.status, u.reason]), [[1, 429, 'es_rejected_execution_exception: queue full']]);
    assert.equal(out.loaded.length + out.rejected.length + out.alreadyPresent.length, 0);
  });

  it('retries a whole request that failed for a transient reason', async () => {
    const { client, calls } = fakeClient((ids, call) => (call === 1 ? new errors.ConnectionError('socket hang up') : ids.map(() => ({ status: 201 }))));
    const out = await loadBatch(client, [rec(1), rec(2)], { maxRetries: 2, backoffMs: 1, sleep: noSleep });
    assert.equal(out.loaded.length, 2);
    assert.equal(calls.length, 2);
  });

  it('gives up on a request that keeps failing, reporting the records as unavailable', async () => {
    const { client } = fakeClient(() => new errors.ConnectionError('ECONNREFUSED'));
    const out = await loadBatch(client, [rec(1)], { maxRetries: 1, backoffMs: 1, sleep: noSleep });
    assert.equal(out.unavailable.length, 1);
    assert.match(out.unavailable[0]?.reason ?? '', /ECONNREFUSED/);
  });

  it('throws a request error that retrying cannot fix', async () => {
    const bad = new errors.ResponseError({ statusCode: 400, body: { error: { type: 'illegal_argument_exception', reason: 'bad' } }, headers: {}, warnings: null, meta: {} as never });
    const { client } = fakeClient(() => bad);
    await assert.rejects(loadBatch(client, [rec(1)], { maxRetries: 3, backoffMs: 1, sleep: noSleep }), (err: unknown) => !(err instanceof ServiceUnavailableError) && /HTTP 400 illegal_argument_exception/.test((err as Error).message));
  });
});
