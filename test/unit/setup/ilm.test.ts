import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { loadConfig } from '../../../src/config/load.js';
import { InputError, ServiceUnavailableError } from '../../../src/errors.js';
import {
  containsSubset,
  detectIlm,
  ensureIlmPolicy,
  ensureWriteIndexLifecycle,
  findingsIlmPolicy,
  isMissingApi,
} from '../../../src/setup/ilm.js';

// The local Elasticsearch has no ILM, so the ILM branch of `setup` is checked against a
// stand-in client implementing only the ILM and settings calls it makes; the answers copy what
// Elasticsearch returns (GET _ilm/policy echoes the policy with defaults filled in).

function responseError(statusCode: number, body: unknown): InstanceType<typeof errors.ResponseError> {
  const meta = { body, statusCode, headers: {}, warnings: null, meta: {} };
  return new errors.ResponseError(meta as unknown as ConstructorParameters<typeof errors.ResponseError>[0]);
}

const sink = loadConfig({ env: {} }).sink;

describe('detecting ILM', () => {
  const withStatus = (getStatus: () => Promise<unknown>): Client => ({ ilm: { getStatus } }) as unknown as Client;

  it('finds it, with its operation mode, when GET _ilm/status answers', async () => {
    assert.deepEqual(await detectIlm(withStatus(async () => ({ operation_mode: 'RUNNING' }))), { available: true, operationMode: 'RUNNING' });
  });

  const absent: [string, InstanceType<typeof errors.ResponseError>][] = [
    ['no handler (a cluster without the plugin, as the local one answers)', responseError(400, { error: 'no handler found for uri [/_ilm/status] and method [GET]' })],
    ['404 no handler', responseError(404, 'no handler found for uri [/_ilm/status]')],
    ['405 incorrect method (8.19 routes the path to a POST-only handler)', responseError(405, { error: 'Incorrect HTTP method for uri [/_ilm/status] and method [GET], allowed: [POST]', status: 405 })],
    ['404 from a proxy that forwards only known paths', responseError(404, '<html><body>404 Not Found</body></html>')],
    ['501 not implemented', responseError(501, 'Not Implemented')],
    ['400 invalid index name (the path read as an index)', responseError(400, { error: { type: 'invalid_index_name_exception', reason: 'Invalid index name [_ilm], must not start with \'_\'.' }, status: 400 })],
    ['serverless api_not_available', responseError(410, { error: { type: 'api_not_available_exception', reason: 'Request for uri [/_ilm/status] with method [GET] exists but is not available when running in serverless mode' } })],
  ];
  for (const [name, err] of absent) {
    it(`reports it absent on ${name}`, async () => {
      assert.deepEqual(await detectIlm(withStatus(async () => Promise.reject(err))), { available: false });
    });
  }

  it('fails, instead of guessing "absent", when the user may not read ILM (403)', async () => {
    const denied = responseError(403, { error: { type: 'security_exception', reason: 'action [cluster:admin/ilm/operation_mode/get] is unauthorized' } });
    assert.equal(isMissingApi(denied), false);
    await assert.rejects(detectIlm(withStatus(async () => Promise.reject(denied))), (err: unknown) => err instanceof InputError && /HTTP 403 security_exception/.test(err.message));
  });

  it('fails with a retryable error when Elasticsearch does not answer', async () => {
    const down = new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200');
    await assert.rejects(detectIlm(withStatus(async () => Promise.reject(down))), ServiceUnavailableError);
  });

  it('does not mistake an unrelated 400 for a missing API', () => {
    assert.equal(isMissingApi(responseError(400, { error: { type: 'illegal_argument_exception', reason: 'bad request' } })), false);
    assert.equal(isMissingApi(new Error('no handler found')), false);
    assert.equal(isMissingApi(responseError(500, { error: 'no handler found' })), false);
    assert.equal(isMissingApi(responseError(401, { error: { type: 'security_exception', reason: 'unable to authenticate' } })), false);
  });
});

describe('the findings ILM policy', () => {
  it('rolls over at the configured age or primary shard size and deletes after deleteAfter', () => {
    assert.deepEqual(findingsIlmPolicy(sink).phases, {
      hot: { min_age: '0ms', actions: { rollover: { max_age: '30d', max_primary_shard_size: '50gb' } } },
      delete: { min_age: '365d', actions: { delete: {} } },
    });
  });

  it('has no delete phase when deleteAfter is "never"', () => {
    const keep = loadConfig({ env: {}, flags: { 'sink.deleteAfter': 'never', 'sink.rolloverMaxAge': '7d' } }).sink;
    assert.deepEqual(Object.keys(findingsIlmPolicy(keep).phases), ['hot']);
    assert.equal(findingsIlmPolicy(keep).phases.hot?.actions?.rollover?.max_age, '7d');
  });

  it('rejects durations and sizes Elasticsearch would not take', () => {
    assert.throws(() => loadConfig({ env: {}, flags: { 'sink.rolloverMaxAge': '30 days' } }), /sink\.rolloverMaxAge/);
    assert.throws(() => loadConfig({ env: {}, flags: { 'sink.rolloverMaxPrimaryShardSize': '50GB!' } }), /sink\.rolloverMaxPrimaryShardSize/);
    assert.throws(() => loadConfig({ env: {}, flags: { 'sink.deleteAfter': 'forever' } }), /sink\.deleteAfter/);
  });
});

describe('installing the policy', () => {
  /** A stand-in holding one stored policy the way GET _ilm/policy returns it. */
  function ilmClient(stored: estypes.IlmPolicy | undefined): { client: Client; puts: estypes.IlmPutLifecycleRequest[] } {
    const puts: estypes.IlmPutLifecycleRequest[] = [];
    const client = {
      ilm: {
        getLifecycle: async ({ name }: { name: string }) => (stored === undefined ? {} : { [name]: { version: 1, modified_date: '2026-01-01T00:00:00.000Z', policy: stored, in_use_by: {} } }),
        putLifecycle: async (req: estypes.IlmPutLifecycleRequest) => {
          puts.push(req);
          return { acknowledged: true };
        },
      },
    } as unknown as Client;
    return { client, puts };
  }
  const wanted = findingsIlmPolicy(sink);
  /** What Elasticsearch echoes for `wanted`: defaults filled in. */
  const echoed = (): estypes.IlmPolicy => ({
    _meta: wanted._meta ?? {},
    phases: {
      hot: { min_age: '0ms', actions: { rollover: { max_age: '30d', max_primary_shard_size: '50gb' } } },
      delete: { min_age: '365d', actions: { delete: { delete_searchable_snapshot: true } } },
    },
  });

  it('creates it when missing', async () => {
    const { client, puts } = ilmClient(undefined);
    assert.equal(await ensureIlmPolicy(client, 'curl-proxy-findings', wanted), 'created');
    assert.deepEqual(puts, [{ name: 'curl-proxy-findings', policy: wanted }]);
  });

  it('leaves it alone when Elasticsearch echoes it back with defaults, or with phases an operator added', async () => {
    const withWarm = echoed();
    withWarm.phases.warm = { min_age: '7d', actions: { forcemerge: { max_num_segments: 1 } } };
    for (const stored of [echoed(), withWarm]) {
      const { client, puts } = ilmClient(stored);
      assert.equal(await ensureIlmPolicy(client, 'curl-proxy-findings', wanted), 'unchanged');
      assert.equal(puts.length, 0);
    }
  });

  it('updates it when one of our values differs', async () => {
    const stored = echoed();
    stored.phases.hot = { min_age: '0ms', actions: { rollover: { max_age: '90d', max_primary_shard_size: '50gb' } } };
    const { client, puts } = ilmClient(stored);
    assert.equal(await ensureIlmPolicy(client, 'curl-proxy-findings', wanted), 'updated');
    assert.equal(puts.length, 1);
  });
});

describe('attaching the policy to an existing write index', () => {
  function settingsClient(settings: Record<string, string>): { client: Client; puts: unknown[] } {
    const puts: unknown[] = [];
    const client = {
      indices: {
        getSettings: async ({ index }: { index: string }) => ({ [index]: { settings: { 'index.number_of_shards': '1', ...settings } } }),
        putSettings: async (req: unknown) => {
          puts.push(req);
          return { acknowledged: true };
        },
      },
    } as unknown as Client;
    return { client, puts };
  }

  it('sets the policy and rollover alias on a write index bootstrapped without them', async () => {
    const { client, puts } = settingsClient({});
    assert.equal(await ensureWriteIndexLifecycle(client, 'curl-proxy-findings-000001', 'curl-proxy-findings', 'curl-proxy-findings'), 'updated');
    assert.deepEqual(puts, [{ index: 'curl-proxy-findings-000001', settings: { 'index.lifecycle.name': 'curl-proxy-findings', 'index.lifecycle.rollover_alias': 'curl-proxy-findings' } }]);
  });

  it('changes nothing when the index already follows the policy', async () => {
    const { client, puts } = settingsClient({ 'index.lifecycle.name': 'curl-proxy-findings', 'index.lifecycle.rollover_alias': 'curl-proxy-findings' });
    assert.equal(await ensureWriteIndexLifecycle(client, 'curl-proxy-findings-000001', 'curl-proxy-findings', 'curl-proxy-findings'), 'unchanged');
    assert.equal(puts.length, 0);
  });
});

describe('containsSubset', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['equal scalars', '30d', '30d', true],
    ['numbers echoed as strings', { n: 1 }, { n: '1' }, true],
    ['extra keys in the stored object', { a: 1 }, { a: 1, b: 2 }, true],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['a different nested value', { a: { b: '1d' } }, { a: { b: '2d' } }, false],
    ['an empty object inside a filled one', { delete: {} }, { delete: { delete_searchable_snapshot: true } }, true],
    ['arrays element by element', ['a', 'b'], ['a', 'b'], true],
    ['arrays of another length', ['a'], ['a', 'b'], false],
    ['an object against a scalar', { a: 1 }, 'a', false],
  ];
  for (const [name, wanted, actual, expected] of cases) {
    it(`${name}: ${expected}`, () => assert.equal(containsSubset(wanted, actual), expected));
  }
});
