import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { redisUrlDatabase } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';

const emptyDefaults = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
const load = (env: Record<string, string>, flags: Record<string, unknown> = {}) => loadConfig({ env, defaultsDir: emptyDefaults, flags });

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('Redis Sentinel and Cluster settings', () => {
  it('reads sentinels, the master name and the sentinel password from the environment', () => {
    const c = load({ REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,[::1]:26379', REDIS_SENTINEL_NAME: 'cpd-master', REDIS_SENTINEL_PASSWORD: 's3cret' });
    assert.deepEqual(c.redis.sentinels, ['10.0.0.1:26379', '10.0.0.2:26379', '[::1]:26379']);
    assert.equal(c.redis.sentinelName, 'cpd-master');
    assert.equal(c.redis.sentinelPassword, 's3cret');
    assert.equal(c.redis.clusterNodes, undefined);
  });

  it('reads cluster nodes from the environment', () => {
    const c = load({ REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379' });
    assert.deepEqual(c.redis.clusterNodes, ['redis-0:6379', 'redis-1:6379']);
  });

  it('refuses sentinels and cluster nodes together', () => {
    const problems = problemsOf(() => load({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm' }));
    assert.match(problems.join('\n'), /redis\.clusterNodes: expected either redis\.sentinels or redis\.clusterNodes, not both/);
  });

  it('refuses sentinels without a master name, and a master name or sentinel password without sentinels', () => {
    assert.match(problemsOf(() => load({ REDIS_SENTINELS: 'a:1' })).join('\n'), /redis\.sentinelName: expected the master name/);
    assert.match(problemsOf(() => load({ REDIS_SENTINEL_NAME: 'm' })).join('\n'), /redis\.sentinels: expected the sentinel addresses/);
    const problems = problemsOf(() => load({ REDIS_SENTINEL_PASSWORD: 'hunter2' })).join('\n');
    assert.match(problems, /redis\.sentinels: expected the sentinel addresses with redis\.sentinelPassword/);
    assert.doesNotMatch(problems, /hunter2/);
  });

  it('refuses a cluster with a database other than 0, without showing the URL password', () => {
    const problems = problemsOf(() => load({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://:pa/ss@h:6379/3' })).join('\n');
    assert.match(problems, /redis\.url: expected database 0/);
    assert.doesNotMatch(problems, /pa\/ss/);
    assert.doesNotThrow(() => load({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://:pw@h:6379/0' }));
    assert.doesNotThrow(() => load({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'rediss://h' }));
  });

  it('refuses redis.waitReplicas on a cluster', () => {
    assert.match(problemsOf(() => load({ REDIS_CLUSTER_NODES: 'a:1' }, { 'redis.waitReplicas': 1 })).join('\n'), /redis\.waitReplicas: expected 0 with redis\.clusterNodes/);
  });

  it('refuses an address without a port', () => {
    assert.match(problemsOf(() => load({ REDIS_CLUSTER_NODES: 'redis-0' })).join('\n'), /redis\.clusterNodes\.0: expected host:port/);
  });

  const databases: [string, number][] = [
    ['redis://127.0.0.1:6379/0', 0],
    ['redis://127.0.0.1:6379', 0],
    ['redis://127.0.0.1:6379/', 0],
    ['redis://:p@ss/w@h:1/2', 2],
    ['rediss://u:p@h:1/15?x=1', 15],
  ];
  for (const [url, db] of databases) {
    it(`reads database ${db} from ${url}`, () => assert.equal(redisUrlDatabase(url), db));
  }
});
