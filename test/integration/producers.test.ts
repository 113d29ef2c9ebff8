import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, startWorker } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { loadProducerHit, producerFixtures, testIndexFor } from '../fixtures/producers/index.js';
import { cleanup, createSourceIndex, readFindingDocs, testConfig, testNames, waitFor, type TestNames } from '../helpers/pipeline.js';
import { testEsClient, testRedis, uniqueName } from '../helpers/services.js';

// Needs: a real Elasticsearch and Redis. Every producer fixture (built from the producer's
// published definitions, test/fixtures/producers/EVIDENCE.md) is indexed under its real index
// name, found by the product's default index patterns, and must give exactly these findings.

/** One expected finding: its group (the analytic's by-fields), count and producer. */
interface ExpectedFinding {
  group: Record<string, string>;
  count: number;
  sourceKind: string;
}

/** A finding's group as stored: a value the event did not have (`missing`) is left out. */
const missing = undefined;
const group = (dest: string, user: string, parent: string | undefined, process: string, pid: string, ppid: string | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries({ dest, user, parent_process_name: parent, process_name: 'curl', process, process_id: pid, parent_process_id: ppid }).filter((e): e is [string, string] => e[1] !== undefined),
  );

/**
 * Worked out by hand from the fixture files. Not here: Defend's end-only and fork-only events
 * of pid 4242 (the exec of 4242 counts once), and Sysmon's Event ID 5 with a "(null)" image.
 */
const expected: ExpectedFinding[] = [
  { group: group('app-02', 'alice', missing, 'curl -x http://198.51.100.23:3128 https://example.org/', '5150', '5100'), count: 1, sourceKind: 'auditd_manager' },
  { group: group('build-07', 'bob', missing, 'curl --socks5-hostname 203.0.113.50:1080 https://example.com/', '7044', '7001'), count: 1, sourceKind: 'auditbeat' },
  { group: group('build-07', 'deploy', missing, 'curl --preproxy socks5://203.0.113.60:1080 https://example.org/', '7301', '7290'), count: 1, sourceKind: 'auditbeat' },
  { group: group('build-07', 'deploy', missing, 'curl -x socks4a://203.0.113.61:1080 https://example.com/', '7310', '7290'), count: 1, sourceKind: 'auditbeat' },
  { group: group('build-07', 'deploy', missing, 'curl --proxy=http://198.51.100.40:8080 https://example.org/x', '7290', '7001'), count: 1, sourceKind: 'auditbeat' },
  { group: group('cs-lnx-04', 'svc-sync', 'bash', 'curl --proxy http://198.51.100.80:3128 https://example.org/upload', '24811', missing), count: 1, sourceKind: 'crowdstrike_fdr' },
  { group: group('db-03', 'root', 'bash', 'curl --socks5 198.51.100.33:1080 https://example.com/', '6182', '6140'), count: 1, sourceKind: 'sysmon_linux' },
  { group: group('legacy-09', 'elastic', missing, 'curl -x socks5h://203.0.113.70:9050 http://example.com/', '9086', '9085'), count: 1, sourceKind: 'auditbeat' },
  { group: group('s1-lnx-05', 'ops', 'bash', 'curl -x socks5h://203.0.113.90:1080 https://example.com/beacon', '30388', '30210'), count: 1, sourceKind: 'sentinel_one_cloud_funnel' },
  { group: group('web-01', 'deploy', 'bash', 'curl -x socks5h://203.0.113.7:1080 https://example.com/', '4242', '2201'), count: 1, sourceKind: 'elastic_defend' },
  { group: group('web-01', 'deploy', 'bash', 'curl -x socks5h://203.0.113.7:1080 https://example.com/', '4301', '2201'), count: 1, sourceKind: 'elastic_defend' },
  { group: group('web-01', 'deploy', 'bash', 'curl --proxy http://198.51.100.23:3128 https://example.org/status', '4310', '2201'), count: 1, sourceKind: 'elastic_defend' },
  { group: group('web-01', 'deploy', 'bash', 'curl -sSx socks5://203.0.113.9:1080 https://example.com/a', '4320', '2201'), count: 1, sourceKind: 'elastic_defend' },
];

const key = (g: Record<string, string>) => JSON.stringify(Object.keys(g).sort().map((k) => [k, g[k]]));

describe('real producer documents under their real index names', () => {
  const namespace = uniqueName('prod').toLowerCase().replace(/[^a-z0-9]/g, '');
  const indices = [...new Set(producerFixtures.map((name) => testIndexFor(loadProducerHit(name).index, namespace)))];
  // The product's own default patterns, narrowed to this test's namespace.
  const patterns = loadConfig({ env: {}, defaultsDir: '/nonexistent' }).source.indexPatterns.map((p) => p.replace(/\*$/, `*${namespace}`));
  let es: Client;
  let redis: Redis;
  const runs: TestNames[] = [];

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    for (const index of indices) await createSourceIndex(es, index);
    const operations = producerFixtures.flatMap((name) => {
      const hit = loadProducerHit(name);
      return [{ create: { _index: testIndexFor(hit.index, namespace), _id: hit.id } }, hit.source as Record<string, unknown>];
    });
    const res = await es.bulk({ operations, refresh: 'wait_for' });
    assert.equal(res.errors, false, JSON.stringify(res.items.filter((i) => i.create?.error).slice(0, 3)));
  });
  after(async () => {
    await es.indices.delete({ index: indices, ignore_unavailable: true }).catch(() => undefined);
    for (const names of runs) await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  for (const pushdown of ['names', 'none'] as const) {
    it(`gives exactly the findings worked out by hand, with source.pushdown ${pushdown}`, async () => {
      const names = testNames(`producers-${pushdown}`);
      runs.push(names);
      const app = createApp(testConfig(names, { 'source.indexPatterns': patterns, 'source.pushdown': pushdown }), silentLogger());
      try {
        const { record } = await app.backfills.create({ fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-11-02T00:00:00Z'), indexPatterns: patterns });
        const worker = await startWorker(app, { live: false, backfill: true });
        let stats;
        try {
          const done = await waitFor('backfill done', () => app.backfills.get(record.id), (r) => r?.status === 'done', 120_000);
          stats = (done as NonNullable<typeof done>).stats;
        } finally {
          await worker.stop();
        }
        const docs = [...(await readFindingDocs(es, names.alias)).values()].map((d) => d.source as { finding: { group: Record<string, string>; count: number; source_kind: string } });
        const got = docs.map((d) => ({ group: d.finding.group, count: d.finding.count, sourceKind: d.finding.source_kind })).sort((a, b) => key(a.group).localeCompare(key(b.group)));
        const want = [...expected].sort((a, b) => key(a.group).localeCompare(key(b.group)));
        assert.deepEqual(got, want);
        assert.equal(stats.matched, 13, 'one match per exec');
        // The query leaves out what is surely not an exec: Defend's end-only and fork-only
        // events and Sysmon's Event ID 5 are never fetched, so nothing is skipped either.
        assert.equal(stats.scanned, 13);
        assert.equal(stats.skipped, 0);
      } finally {
        await app.close();
      }
    });
  }
});
