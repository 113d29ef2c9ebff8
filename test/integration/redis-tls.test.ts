import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createRedis } from '../../src/clients/redis.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';
import { waitFor } from '../helpers/pipeline.js';

// A real redis-server with TLS and a password, on a spare port, started and stopped here.

const port = Number(process.env.CPD_TLS_REDIS_PORT ?? '6394');
const password = 'tls-test-Pa55word';

describe('Redis over TLS with a password', () => {
  let pki: TestPki;
  let server: ChildProcess;

  before(async () => {
    pki = makeTestPki();
    server = spawn('redis-server', [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1',
      '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.caCert,
      '--tls-auth-clients', 'no', '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', pki.dir,
    ], { stdio: 'ignore' });
    await waitFor('redis-server with TLS', async () => {
      const r = createRedis(config(`rediss://:${password}@127.0.0.1:${port}/0`).redis, 'command');
      r.on('error', () => undefined);
      try {
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    }, (ok) => ok, 15_000, 200);
  });
  after(() => {
    server.kill('SIGTERM');
  });

  function config(url: string, caFile: string | undefined = pki.caCert) {
    return loadConfig({ env: {}, defaultsDir: '/nonexistent', flags: { 'redis.url': url, ...(caFile !== undefined ? { 'redis.caFile': caFile } : {}) } });
  }

  it('connects with rediss://, the private CA and the password, on the database of the URL', async () => {
    const redis = createRedis(config(`rediss://:${password}@127.0.0.1:${port}/3`).redis, 'command');
    try {
      await redis.set('cpd-tls-probe', 'ok');
      assert.match(String(await redis.client('INFO')), /\bdb=3\b/);
      assert.equal(await redis.get('cpd-tls-probe'), 'ok');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign', async () => {
    const redis = createRedis(config(`rediss://:${password}@127.0.0.1:${port}/0`, makeTestPki().caCert).redis, 'command');
    redis.on('error', () => undefined);
    try {
      await assert.rejects(redis.ping());
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a wrong password', async () => {
    const redis = createRedis(config(`rediss://:wrong@127.0.0.1:${port}/0`).redis, 'command');
    redis.on('error', () => undefined);
    try {
      await assert.rejects(redis.ping(), /WRONGPASS|invalid username-password/i);
    } finally {
      redis.disconnect();
    }
  });

  it('rejects a CA file given with a plain redis:// URL, as a configuration error', () => {
    assert.throws(() => createRedis(config(`redis://127.0.0.1:${port}/0`).redis, 'command'), ConfigError);
  });
});
