import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { createRedis, parseHostPorts, redisTopology } from '../../../src/clients/redis.js';
import { loadConfig } from '../../../src/config/load.js';

const emptyDefaults = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
const redisConfig = (env: Record<string, string>) => loadConfig({ env, defaultsDir: emptyDefaults }).redis;

describe('createRedis topologies', () => {
  it('parses host:port lists, IPv6 in brackets included', () => {
    assert.deepEqual(parseHostPorts(['a:1', '10.0.0.1:26379', '[::1]:7400']), [
      { host: 'a', port: 1 },
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 7400 },
    ]);
  });

  it('builds a Sentinel client that takes the password and database from the URL', () => {
    const r = createRedis(redisConfig({ REDIS_URL: 'redis://:pw@ignored:1/4', REDIS_SENTINELS: '127.0.0.1:1', REDIS_SENTINEL_NAME: 'm', REDIS_SENTINEL_PASSWORD: 'sp' }), 'worker');
    try {
      assert.ok(r instanceof Redis);
      assert.equal(r.options.name, 'm');
      assert.equal(r.options.password, 'pw');
      assert.equal(r.options.db, 4);
      assert.equal(r.options.sentinelPassword, 'sp');
      assert.deepEqual(r.options.sentinels, [{ host: '127.0.0.1', port: 1 }]);
      assert.equal(r.options.maxRetriesPerRequest, null);
    } finally {
      r.disconnect();
    }
  });

  it('builds a Cluster client whose nodes carry the URL user and password', () => {
    const config = redisConfig({ REDIS_URL: 'redis://u:p%40w@ignored:1', REDIS_CLUSTER_NODES: '127.0.0.1:1,127.0.0.1:2' });
    assert.equal(redisTopology(config), 'cluster');
    const c = createRedis(config, 'command');
    try {
      assert.ok(c instanceof Cluster);
      assert.equal(c.options.redisOptions?.username, 'u');
      assert.equal(c.options.redisOptions?.password, 'p@w');
      assert.equal(c.options.redisOptions?.maxRetriesPerRequest, 1);
    } finally {
      c.disconnect();
    }
  });

  it('keeps one server for a plain URL', () => {
    assert.equal(redisTopology(redisConfig({})), 'single');
  });
});
