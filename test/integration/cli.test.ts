import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { spawnCli } from '../helpers/child-worker.js';
import { cleanup, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { comparable, day, expectedFindings, loadScenario, scenarioSuppressions } from '../helpers/scenario.js';
import { readFindings } from '../helpers/pipeline.js';
import { testEsClient, testRedis } from '../helpers/services.js';

// The CLI as a user runs it (bin/curl-proxy-detector.js, built dist/), against the real services.

async function cli(config: ReturnType<typeof testConfig>, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawnCli(config, args, env);
  const code = await child.exited;
  return { code, output: child.output() };
}

describe('the backfill and status commands', () => {
  const names = testNames('cli');
  let es: Client;
  let redis: Redis;
  let config: ReturnType<typeof testConfig>;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await loadScenario(es, names);
    config = testConfig(names, { 'rule.suppressions': JSON.stringify(scenarioSuppressions) });
  });
  after(async () => {
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('runs a backfill to the end with --wait, printing JSON progress lines when stdout is not a TTY', { timeout: 120_000 }, async () => {
    const { code, output } = await cli(config, ['backfill', '--from', `${day}T00:00:00Z`, '--to', `${day}T23:59:59Z`, '--wait', '--json']);
    assert.equal(code, 0, output);
    const lines = output.split('\n').filter((l) => l.startsWith('{"backfill"'));
    assert.ok(lines.length >= 2, output);
    const last = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    assert.equal(last.status, 'done');
    assert.equal(last.chunks_done, 24);
    assert.equal(last.matched, 6);
    assert.equal(last.suppressed, 1);
    assert.equal(last.eta_s, 0);
    assert.deepEqual(comparable(await readFindings(es, names.alias)), expectedFindings);
  });

  it('scans a finished backfill again as its next run when asked again, and the findings stay the same', { timeout: 120_000 }, async () => {
    const { code, output } = await cli(config, ['backfill', '--from', `${day}T00:00:00Z`, '--to', `${day}T23:59:59Z`, '--wait']);
    assert.equal(code, 0, output);
    assert.match(output, /^rescanning finished backfill bf-[0-9a-f]{12} \(run 2\): .* 24 chunk\(s\), 24 queued; run 1 had 24 chunk\(s\) done, scanned \d+, matches 6, findings \d+$/m);
    const last = JSON.parse(output.split('\n').filter((l) => l.startsWith('{"backfill"')).at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual([last.status, last.run, last.chunks_done, last.matched, last.suppressed], ['done', 2, 24, 6, 1]);
    assert.deepEqual(comparable(await readFindings(es, names.alias)), expectedFindings);
  });

  it('schedules a backfill for later with --at, lists it, and cancels it', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = await cli(config, ['backfill', '--from', `${day}T00:00:00Z`, '--to', `${day}T06:00:00Z`, '--at', at]);
    assert.equal(created.code, 0, created.output);
    const id = /backfill (bf-[0-9a-f]{12})/.exec(created.output)?.[1];
    assert.ok(id !== undefined, created.output);
    assert.match(created.output, /6 chunk\(s\), 6 queued, starting at/);

    const status = await cli(config, ['status', '--json']);
    assert.equal(status.code, 0, status.output);
    const doc = JSON.parse(status.output.slice(status.output.indexOf('{'))) as { queues: { backfill: { delayed: number } }; backfills: { backfill: string; status: string }[] };
    assert.equal(doc.queues.backfill.delayed, 6);
    assert.equal(doc.backfills.find((b) => b.backfill === id)?.status, 'scheduled');

    const list = await cli(config, ['backfill', 'list']);
    assert.match(list.output, new RegExp(`${id}\\s+scheduled`));

    const cancel = await cli(config, ['backfill', 'cancel', id]);
    assert.equal(cancel.code, 0, cancel.output);
    assert.match(cancel.output, new RegExp(`cancelled ${id} \\(0/6 chunks were done\\)`));
    const after = JSON.parse((await cli(config, ['status', '--json'])).output.replace(/^[^{]*/, '')) as typeof doc;
    assert.equal(after.queues.backfill.delayed, 0);
    assert.equal(after.backfills.find((b) => b.backfill === id)?.status, 'cancelled');
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['a --from that is not a date', ['backfill', '--from', 'yesterday', '--to', `${day}T01:00:00Z`], /--from: expected an ISO-8601 date or date-time such as 2026-11-01T00:00:00Z, got "yesterday"/],
    ['a --to before --from', ['backfill', '--from', `${day}T05:00:00Z`, '--to', `${day}T01:00:00Z`], /expected --to after --from/],
    ['cancelling an unknown backfill', ['backfill', 'cancel', 'bf-000000000000'], /expected an existing backfill id/],
  ];
  for (const [name, args, message] of usageErrors) {
    it(`rejects ${name} with one line and exit code 2`, async () => {
      const { code, output } = await cli(config, args);
      assert.equal(code, 2, output);
      assert.match(output, message);
      assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    });
  }
});

describe('credentials', () => {
  const names = testNames('secrets');
  const apiKey = 'Y3BkLXRlc3QtaWQ6Y3BkLXRlc3Qtc2VjcmV0LWtleS0xMjM0NQ==';
  const password = 'Tr0ub4dor&3-horse-battery';

  it('never appear in the output of a worker that cannot reach its cluster, nor in config show', { timeout: 60_000 }, async () => {
    // A closed port: the worker logs connection failures while it waits for Elasticsearch.
    const config = testConfig(names, { 'elasticsearch.url': 'http://127.0.0.1:9', 'elasticsearch.requestTimeoutMs': 500, 'elasticsearch.maxRetries': 0, 'log.level': 'debug' });
    const worker = spawnCli(config, ['run'], { ELASTICSEARCH_API_KEY: apiKey, ELASTICSEARCH_USERNAME: 'elastic', ELASTICSEARCH_PASSWORD: password, REDIS_URL: `redis://:${password}@127.0.0.1:9/0` });
    // Until it has logged a failure (a fixed sleep was too short on a loaded machine).
    await waitFor('the worker to log a connection failure', async () => worker.output(), (out) => /cannot prepare the findings index yet/.test(out), 30_000).catch(() => undefined);
    await worker.kill('SIGKILL');
    const show = spawnCli(config, ['config', 'show'], { ELASTICSEARCH_API_KEY: apiKey, ELASTICSEARCH_PASSWORD: password, ELASTICSEARCH_USERNAME: 'elastic' });
    await show.exited;
    const text = worker.output() + show.output();
    assert.match(worker.output(), /cannot prepare the findings index yet/, 'the worker did log while failing');
    assert.match(show.output(), /"apiKey": "\*\*\*"/);
    for (const secret of [apiKey, password, 'cpd-test-secret-key']) assert.ok(!text.includes(secret), `found ${secret} in:\n${text.slice(0, 3000)}`);
  });
});
