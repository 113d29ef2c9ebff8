import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, startWorker, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { cleanup, createSourceIndex, indexDocs, readFindingDocs, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { esUrl, testEsClient, testRedis } from '../helpers/services.js';

// Needs: a real Elasticsearch and Redis. Events written by a host an attacker controls stream
// through live mode between ordinary proxy uses: none of them may stop, stall or blind it.

describe('live mode under hostile events', () => {
  const names = testNames('hostile');
  const index = names.index('defend');
  let es: Client;
  let redis: Redis;
  let app: App;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, index);
    // A field stored but never mapped, for the deeply nested document.
    await es.indices.putMapping({ index, properties: { poison: { type: 'object', enabled: false } } });
    app = createApp(testConfig(names, { 'live.initialLookbackMs': 60_000, 'source.maxResponseBytes': 2_097_152 }), silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('still turns every ordinary proxy use into a finding within seconds, and keeps its cursor moving', async () => {
    const worker = await startWorker(app, { live: true, backfill: false });
    try {
      const now = () => new Date().toISOString();
      const ordinary = (n: number) => ({
        id: `ok-${n}`,
        doc: defendEvent({ time: now(), ingested: now(), host: 'victim', user: 'eve', commandLine: `curl -x socks5h://203.0.113.${n}:1080 https://c2.example/${n}`, pid: 1000 + n, ppid: 1 }),
      });
      const poison = (id: string, pid: number, process: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
        const doc = defendEvent({ time: now(), ingested: now(), host: 'victim', user: 'eve', commandLine: 'curl https://x.example', pid, ppid: 1 });
        Object.assign(doc.process as Record<string, unknown>, process);
        return { id, doc: { ...doc, ...extra } };
      };
      const a = 'x'.repeat(120_000);
      const expansion = ['curl', '--variable', `a=${a}`, '--expand-proxy', '{{a}}'.repeat(26_000), 'https://x.example'];
      const padded = `curl ${'-s '.repeat(3_000_000)}-x socks5h://203.0.113.250:1080 https://x.example`;
      let deep: unknown = 'bottom';
      for (let i = 0; i < 500; i++) deep = { d: deep };
      // A proxy after a million arguments, far past what the normalizer reads (10,000): the
      // push-down still fetches it (its '-x' is indexed) and the rule makes it an undecided match.
      // args_count as Elastic Defend writes it: the number of arguments.
      const millionArgs = ['curl', ...Array.from({ length: 1_000_000 }, (_, i) => `-H${i % 10}`), '-x', 'socks5h://203.0.113.252:1080', 'https://x.example'];

      const started = Date.now();
      await indexDocs(es, index, [ordinary(1)]);
      await indexDocs(es, index, [poison('huge-expansion', 2001, { args: expansion, command_line: expansion.join(' ') })]);
      await indexDocs(es, index, [ordinary(2)]);
      await indexDocs(es, index, [poison('9mb-line', 2002, { args: undefined, command_line: padded })]);
      await indexDocs(es, index, [ordinary(3)]);
      await indexDocs(es, index, [poison('deep-nesting', 2003, {}, { poison: deep })]);
      await indexDocs(es, index, [ordinary(4)]);
      await indexDocs(es, index, [poison('million-args', 2004, { args: millionArgs, args_count: millionArgs.length, command_line: undefined })]);
      await indexDocs(es, index, [ordinary(5)]);
      // Invalid UTF-8 (raw bytes ED A0 80) in a stored field: Elasticsearch refuses it in an
      // indexed field, keeps it in an unmapped one, and then cannot re-parse the document to
      // filter its _source, which fails the whole shard's page.
      const ts = now();
      const raw = Buffer.concat([
        Buffer.from(`{"@timestamp":"${ts}","event":{"action":"exec","category":["process"],"type":["start"],"ingested":"${ts}"},"data_stream":{"dataset":"endpoint.events.process"},"host":{"name":"victim"},"user":{"name":"eve"},"process":{"name":"curl","executable":"/usr/bin/curl","pid":2005,"command_line":"curl -x socks5h://203.0.113.251:1080 https://x.example/"},"poison":{"x":"`),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}}'),
      ]);
      const res = await fetch(`${esUrl}/${index}/_doc/invalid-utf8?refresh=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: raw });
      assert.ok(res.ok, await res.text());
      await indexDocs(es, index, [ordinary(6)]);
      const lastWrite = Date.now();

      const pidsOf = async () => {
        const docs = await readFindingDocs(es, names.alias);
        return new Set([...docs.values()].map((d) => (d.source as { finding: { group: { process_id: string } } }).finding.group.process_id));
      };
      const found = await waitFor('every ordinary proxy use as a finding', pidsOf, (p) => [1, 2, 3, 4, 5, 6].every((n) => p.has(String(1000 + n))), 60_000);
      process.stdout.write(`# hostile: last ordinary event found ${Date.now() - lastWrite} ms after it was written (${Math.round((lastWrite - started) / 1000)} s to index the poison)\n`);
      // The poison curl events that carry or may hide a proxy are findings too (decided, or undecided when over a limit).
      // Under load they were seen written a moment after the ordinary events around them: wait for them too.
      const poisoned = ['2001', '2002', '2004', '2005'];
      const all = poisoned.every((pid) => found.has(pid)) ? found : await waitFor('every poison curl event as a finding', pidsOf, (p) => poisoned.every((pid) => p.has(pid)), 60_000).catch(() => found);
      for (const pid of poisoned) assert.ok(all.has(pid), `poison event pid ${pid} is a finding: ${[...all].join(',')}`);
      await waitFor('the cursor to pass the last event', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > lastWrite, 20_000);
    } finally {
      await worker.stop();
    }
  });
});
