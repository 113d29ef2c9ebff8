import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
    // The day's 7 candidates are far under backfill.chunkCandidates (20,000): its 24 hourly chunks run as one job.
    assert.equal(last.chunks_done, 1);
    assert.equal(last.matched, 6);
    assert.equal(last.suppressed, 1);
    assert.equal(last.eta_s, 0);
    assert.deepEqual(comparable(await readFindings(es, names.alias)), expectedFindings);
  });

  it('scans a finished backfill again as its next run when asked again, and the findings stay the same', { timeout: 120_000 }, async () => {
    const { code, output } = await cli(config, ['backfill', '--from', `${day}T00:00:00Z`, '--to', `${day}T23:59:59Z`, '--wait']);
    assert.equal(code, 0, output);
    assert.match(output, /^rescanning finished backfill bf-[0-9a-f]{12} \(run 2\): .* 1 chunk\(s\), 1 queued; run 1 had 1 chunk\(s\) done, scanned \d+, matches 6, findings \d+$/m);
    const last = JSON.parse(output.split('\n').filter((l) => l.startsWith('{"backfill"')).at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual([last.status, last.run, last.chunks_done, last.matched, last.suppressed], ['done', 2, 1, 6, 1]);
    assert.deepEqual(comparable(await readFindings(es, names.alias)), expectedFindings);
  });

  it('schedules a backfill for later with --at, lists it, and cancels it', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = await cli(config, ['backfill', '--from', `${day}T00:00:00Z`, '--to', `${day}T06:00:00Z`, '--at', at]);
    assert.equal(created.code, 0, created.output);
    const id = /backfill (bf-[0-9a-f]{12})/.exec(created.output)?.[1];
    assert.ok(id !== undefined, created.output);
    assert.match(created.output, /1 chunk\(s\), 1 queued, starting at/);

    const status = await cli(config, ['status', '--json']);
    assert.equal(status.code, 0, status.output);
    const doc = JSON.parse(status.output.slice(status.output.indexOf('{'))) as { queues: { backfill: { delayed: number } }; backfills: { backfill: string; status: string }[] };
    assert.equal(doc.queues.backfill.delayed, 1);
    assert.equal(doc.backfills.find((b) => b.backfill === id)?.status, 'scheduled');

    const list = await cli(config, ['backfill', 'list']);
    assert.match(list.output, new RegExp(`${id}\\s+scheduled`));

    const cancel = await cli(config, ['backfill', 'cancel', id]);
    assert.equal(cancel.code, 0, cancel.output);
    assert.match(cancel.output, new RegExp(`cancelled ${id} \\(0/1 chunks were done\\)`));
    const after = JSON.parse((await cli(config, ['status', '--json'])).output.replace(/^[^{]*/, '')) as typeof doc;
    assert.equal(after.queues.backfill.delayed, 0);
    assert.equal(after.backfills.find((b) => b.backfill === id)?.status, 'cancelled');
  });

  it('prints status with every label\'s value in one column', async () => {
    const { code, output } = await cli(config, ['status']);
    assert.equal(code, 0, output);
    const labels = ['live cursor', 'leader', 'live totals', 'live queue', 'backfill queue', 'backfills', 'recent errors'];
    const starts = labels.map((label) => {
      const line = output.split('\n').find((l) => l.startsWith(`${label} `) || l === label);
      assert.ok(line !== undefined, `status shows ${label}:\n${output}`);
      return line === label ? undefined : /^[a-z ]+? {2,}(?=\S)/.exec(line)?.[0].length;
    });
    assert.equal(new Set(starts.filter((n) => n !== undefined)).size, 1, output);
    assert.match(output, /^ {2}bf-[0-9a-f]{12} \w+ run \d+ chunks \d+\/\d+ findings \d+$/m);
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

/** The text block README.md shows after "`npm run demo` prints". */
function readmeDemoBlock(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const from = readme.indexOf('`npm run demo` prints');
  const block = /```text\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(from >= 0 && block !== null, 'README shows the demo output in a ```text block after "`npm run demo` prints"');
  return block[1] as string;
}

describe('the demo', () => {
  const names = testNames('demo');
  // Its own events index (the demo refuses a name not starting with the demo's), alias and prefix.
  const eventsIndex = `logs-endpoint.events.process-cpddemo-${names.prefix}`;
  let es: Client;
  let redis: Redis;
  let config: ReturnType<typeof testConfig>;

  before(() => {
    es = testEsClient();
    redis = testRedis();
    config = testConfig(names);
  });
  after(async () => {
    await es.indices.delete({ index: eventsIndex, ignore_unavailable: true }).catch(() => undefined);
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  /**
   * The output as a user of the defaults sees it: this test's names replaced by the default
   * ones; the clock's parts (the hour of each finding, the duration) masked. Minutes and
   * seconds stay: the sample is shifted by whole hours.
   */
  const asUserSeesIt = (text: string) =>
    text
      .replaceAll(new URL(config.elasticsearch.url).origin, 'http://127.0.0.1:9200')
      .replaceAll(eventsIndex, 'logs-endpoint.events.process-cpddemo')
      .replaceAll(names.alias, 'curl-proxy-findings')
      .replace(/answers; database \d+, key prefix \S+/, 'answers; database 0, key prefix cpd')
      .replace(/^\d\d(:\d\d:\d\d {5})/gm, 'HH$1')
      .replace(/^Done in .*?\. What next:$/m, 'Done in N. What next:');

  it('prints exactly what README shows, and a second run replaces the first one\'s data with the same figures', { timeout: 180_000 }, async () => {
    const first = await cli(config, ['demo', '--events-index', eventsIndex]);
    assert.equal(first.code, 0, first.output);
    assert.equal(asUserSeesIt(first.output), asUserSeesIt(readmeDemoBlock()));

    const second = await cli(config, ['demo', '--events-index', eventsIndex]);
    assert.equal(second.code, 0, second.output);
    const findings = Number(/^(\d+) finding\(s\)/m.exec(first.output)?.[1]);
    assert.match(second.output, new RegExp(`^earlier runs +replaced: ${findings} finding\\(s\\), ${findings} Redis group\\(s\\) and 1 backfill\\(s\\) made from ${eventsIndex.replaceAll('.', '\\.')}; nothing else is touched$`, 'm'));
    // Apart from that line (and the template, now in place), the same output: the same figures and rows.
    const comparable = (text: string) => asUserSeesIt(text).replace(/^earlier runs .*$/m, '').replace(/template \w+/, 'template');
    assert.equal(comparable(second.output), comparable(first.output));
    await es.indices.refresh({ index: `${names.alias}*` });
    const stored = await es.count({ index: `${names.alias}*`, query: { term: { 'finding.first_event.index': eventsIndex } } });
    assert.equal(stored.count, findings, 'no findings of the first run left beside the second run\'s');
    const backfills = await cli(config, ['backfill', 'list']);
    assert.equal(backfills.output.split('\n').filter((l) => l.startsWith('bf-')).length, 1, backfills.output);
  });

  it('finds in splunk mode the number of findings README gives', { timeout: 120_000 }, async () => {
    const claimed = /`npx curl-proxy-detector --set rule\.mode=splunk demo` shows what the Splunk analytic makes of the\nsame events: (\d+) findings/.exec(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))?.[1];
    assert.ok(claimed !== undefined, 'README names the splunk mode figure');
    const splunk = await cli(config, ['--set', 'rule.mode=splunk', 'demo', '--events-index', eventsIndex]);
    assert.equal(splunk.code, 0, splunk.output);
    assert.match(splunk.output, new RegExp(`^${claimed} finding\\(s\\)`, 'm'));
    // Command lines as given: the producers' joined argv quoted again where a shell needs it.
    assert.match(splunk.output, / curl --noproxy '\*' -x http:\/\/198\.51\.100\.99:3128 https:\/\/example\.com\/$/m);
    assert.match(splunk.output, / curl -X POST -H 'Content-Type: application\/json' -d '\{"proxy":"socks5/m);
  });

  it('refuses an events index whose name does not start with the demo\'s', async () => {
    const { code, output } = await cli(config, ['demo', '--events-index', 'logs-endpoint.events.process-default']);
    assert.equal(code, 2, output);
    assert.match(output, /demo --events-index: expected a name starting with logs-endpoint\.events\.process-cpddemo/);
  });
});
