import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { publicMessage, startHealthServer, type HealthServer, type ReadinessCheck } from '../../../src/health/server.js';
import { silentLogger } from '../../../src/telemetry/logger.js';

const ok: ReadinessCheck = async () => undefined;
const failing = (message: string): ReadinessCheck => async () => Promise.reject(new Error(message));
const hanging: ReadinessCheck = () => new Promise(() => undefined);

async function get(server: HealthServer, path: string, method = 'GET'): Promise<{ status: number; body: unknown; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), type: res.headers.get('content-type') };
}

async function withServer(checks: Record<string, ReadinessCheck>, fn: (s: HealthServer) => Promise<void>, checkTimeoutMs = 2_000): Promise<void> {
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', checks, logger: silentLogger(), checkTimeoutMs });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

describe('the health server', () => {
  it('answers GET /healthz with 200 {"status":"ok"} even when every readiness check fails', async () => {
    await withServer({ elasticsearch: failing('down'), redis: failing('down') }, async (s) => {
      assert.deepEqual(await get(s, '/healthz'), { status: 200, body: { status: 'ok' }, type: 'application/json' });
    });
  });

  it('answers GET /readyz with 200 and every check ok when all checks pass', async () => {
    await withServer({ elasticsearch: ok, redis: ok, cursor: ok }, async (s) => {
      assert.deepEqual(await get(s, '/readyz'), {
        status: 200,
        type: 'application/json',
        body: { status: 'ok', failing: [], checks: { elasticsearch: { status: 'ok' }, redis: { status: 'ok' }, cursor: { status: 'ok' } } },
      });
    });
  });

  it('answers GET /readyz with 503 naming each failing check and its error', async () => {
    await withServer({ elasticsearch: failing('connect ECONNREFUSED 127.0.0.1:9201'), redis: ok, cursor: failing('live cursor is 600 s behind') }, async (s) => {
      assert.deepEqual(await get(s, '/readyz'), {
        status: 503,
        type: 'application/json',
        body: {
          status: 'unavailable',
          failing: ['elasticsearch', 'cursor'],
          checks: {
            elasticsearch: { status: 'fail', error: 'connect ECONNREFUSED 127.0.0.1:9201' },
            redis: { status: 'ok' },
            cursor: { status: 'fail', error: 'live cursor is 600 s behind' },
          },
        },
      });
    });
  });

  it('fails a check that does not answer within checkTimeoutMs, without waiting for it', async () => {
    await withServer(
      { elasticsearch: hanging, redis: ok },
      async (s) => {
        const started = Date.now();
        const res = await get(s, '/readyz');
        assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
        assert.equal(res.status, 503);
        assert.deepEqual((res.body as { checks: unknown }).checks, { elasticsearch: { status: 'fail', error: 'timed out after 200 ms' }, redis: { status: 'ok' } });
      },
      200,
    );
  });

  it('fails a check that throws synchronously instead of crashing', async () => {
    const throwing: ReadinessCheck = () => {
      throw new Error('boom');
    };
    await withServer({ redis: throwing }, async (s) => {
      assert.deepEqual((await get(s, '/readyz')).body, { status: 'unavailable', failing: ['redis'], checks: { redis: { status: 'fail', error: 'boom' } } });
    });
  });

  it('answers 404 elsewhere, 405 for other methods, and HEAD without a body', async () => {
    await withServer({ redis: ok }, async (s) => {
      assert.equal((await get(s, '/')).status, 404);
      assert.equal((await get(s, '/metrics')).status, 404);
      assert.equal((await get(s, '/healthz/extra')).status, 404);
      assert.equal((await get(s, '/readyz', 'POST')).status, 405);
      assert.deepEqual(await get(s, '/healthz', 'HEAD'), { status: 200, body: undefined, type: 'application/json' });
      assert.equal((await get(s, '/readyz?verbose=1')).status, 200);
    });
  });

  it('runs the checks once for concurrent /readyz requests', async () => {
    let runs = 0;
    const slow: ReadinessCheck = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 100));
    };
    await withServer({ redis: slow }, async (s) => {
      const results = await Promise.all([get(s, '/readyz'), get(s, '/readyz'), get(s, '/readyz')]);
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
      assert.equal(runs, 1);
      await get(s, '/readyz');
      assert.equal(runs, 2);
    });
  });
});

describe('starting the health server', () => {
  let busy: ReturnType<typeof createServer>;
  before(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => busy.close(() => r())));

  it('rejects with a ConfigError naming health.port when the port is taken', async () => {
    const port = (busy.address() as AddressInfo).port;
    await assert.rejects(startHealthServer({ port, host: '127.0.0.1', checks: {}, logger: silentLogger() }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`^health\\.port: expected a port free to listen on at 127\\.0\\.0\\.1, got ${port} \\(EADDRINUSE\\)$`));
      return true;
    });
  });

  it('reports the bound port when given port 0, and stops answering after close', async () => {
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', checks: {}, logger: silentLogger() });
    assert.ok(server.port > 0);
    assert.equal((await get(server, '/readyz')).status, 200);
    await server.close();
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
  });
});

describe('publicMessage', () => {
  const cases: [string, unknown, string][] = [
    ['keeps a plain message', new Error('connect ECONNREFUSED 127.0.0.1:6379'), 'connect ECONNREFUSED 127.0.0.1:6379'],
    ['masks the credentials of a URL', new Error('request to http://elastic:s3cret@es:9200/_cluster/health failed'), 'request to http://***@es:9200/_cluster/health failed'],
    ['folds a multi-line message into one line', new Error('line one\n  line two'), 'line one line two'],
    ['uses the name of an error without a message', new TypeError(), 'TypeError'],
    ['turns a non-error into text', 'plain', 'plain'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(publicMessage(input), expected));
  }

  it('cuts a long message to 200 characters', () => {
    const out = publicMessage(new Error('x'.repeat(500)));
    assert.equal(out.length, 200);
    assert.ok(out.endsWith('...'));
  });
});
