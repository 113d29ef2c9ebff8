import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../src/app.js';
import { InputError } from '../../src/errors.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { spawnCli } from '../helpers/child-worker.js';
import { testConfig, testNames } from '../helpers/pipeline.js';
import { deleteKeys, testRedis } from '../helpers/services.js';

// backfill.maxChunks against the real Redis: a range over the cap is refused before anything is
// written or queued, by the library and by the CLI (exit code 2, one line); --max-chunks overrides.

const names = testNames('bfcap');
const day = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-03T00:00:00Z']; // 48 one-hour chunks

describe('the cap on backfill size', () => {
  let redis: Redis;
  let app: App;

  before(() => {
    redis = testRedis();
    const config = testConfig(names, { 'backfill.maxChunks': 48, 'backfill.chunkCandidates': 0 });
    app = createApp(config, createLogger(config.log), 'command');
  });
  after(async () => {
    await app.close();
    await deleteKeys(redis, `${names.keyPrefix}:*`);
    redis.disconnect();
  });

  async function keysWritten(): Promise<string[]> {
    const [, keys] = await redis.scan('0', 'MATCH', `${names.keyPrefix}:*`, 'COUNT', 1_000);
    return keys;
  }

  it('refuses 1970 to 2100 in one line naming the range, the chunk count and the cap, and writes nothing', async () => {
    const req = { fromMs: Date.parse('1970-01-01T00:00:00Z'), toMs: Date.parse('2100-01-01T00:00:00Z'), indexPatterns: [names.sourcePattern] };
    await assert.rejects(app.backfills.create(req), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(
        err.message,
        'backfill: 1970-01-01T00:00:00.000Z .. 2100-01-01T00:00:00.000Z is 1,139,568 chunks of 3,600,000 ms, over the cap of 48; split the range, raise the cap (--max-chunks 1139568 or backfill.maxChunks) or use a larger backfill.chunkMs',
      );
      return true;
    });
    assert.deepEqual(await keysWritten(), []);
    assert.equal(await app.backfillQueue.count(), 0);
  });

  it('accepts a range of exactly the cap and queues every chunk', async () => {
    const fromMs = Date.parse('2026-01-01T00:00:00Z');
    const { record, queued } = await app.backfills.create({ fromMs, toMs: fromMs + 48 * 3_600_000, indexPatterns: [names.sourcePattern] });
    assert.equal(record.chunks, 48);
    assert.equal(queued, 48);
    await app.backfills.cancel(record.id);
  });

  describe('from the CLI', () => {
    const cliNames = testNames('bfcap-cli');
    const config = testConfig(cliNames, { 'backfill.chunkCandidates': 0 });
    after(async () => deleteKeys(redis, `${cliNames.keyPrefix}:*`));

    async function cli(args: string[]): Promise<{ code: number | string | null; output: string }> {
      const child = spawnCli(config, args, { CPD__HEALTH__ENABLED: 'false' });
      const code = await child.exited;
      return { code, output: child.output() };
    }

    it('exits with code 2 and one line for 1970 to 2100 under the default cap', async () => {
      const { code, output } = await cli(['backfill', '--from', '1970-01-01', '--to', '2100-01-01']);
      assert.equal(code, 2, output);
      assert.equal(output.trim().split('\n').length, 1, output);
      assert.match(output, /^curl-proxy-detector: backfill: 1970-01-01T00:00:00\.000Z \.\. 2100-01-01T00:00:00\.000Z is 1,139,568 chunks of 3,600,000 ms, over the cap of 10,000; .* \[CPD_INPUT_INVALID\]\n$/);
      assert.deepEqual((await redis.scan('0', 'MATCH', `${cliNames.keyPrefix}:*`, 'COUNT', 1_000))[1], []);
    });

    it('refuses a range over backfill.maxChunks and accepts it with --max-chunks', async () => {
      const refused = await cli(['--set', 'backfill.maxChunks=24', 'backfill', ...day]);
      assert.equal(refused.code, 2, refused.output);
      assert.match(refused.output, /is 48 chunks of 3,600,000 ms, over the cap of 24; split the range, raise the cap \(--max-chunks 48 or backfill\.maxChunks\)/);
      const accepted = await cli(['--set', 'backfill.maxChunks=24', '--set', 'backfill.chunkCandidates=0', 'backfill', ...day, '--max-chunks', '48']);
      assert.equal(accepted.code, 0, accepted.output);
      assert.match(accepted.output, /^created backfill bf-[0-9a-f]{12}: .* in 48 chunk\(s\), 48 queued$/m);
      const id = /backfill (bf-[0-9a-f]{12})/.exec(accepted.output)?.[1] ?? '';
      assert.equal((await cli(['backfill', 'cancel', id])).code, 0);
    });

    it('reports a --max-chunks that is not a positive integer as a usage error', async () => {
      const { code, output } = await cli(['backfill', ...day, '--max-chunks', '0']);
      assert.equal(code, 2, output);
      assert.match(output, /^curl-proxy-detector: config error: backfill\.maxChunks: expected >= 1, got 0 \(from flag for backfill\.maxChunks\)$/m);
    });
  });
});
