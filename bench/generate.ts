import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { loadDataset, truthSummary } from './lib/bulk-load.js';
import { benchNames } from './lib/services.js';

/**
 * Loads one synthetic dataset and leaves it in place, for looking at by hand or for running
 * `curl-proxy-detector backfill --index '<pattern>'` against it:
 *
 *   npx tsx bench/generate.ts --events 100000 [--seed 20260115] [--day 2026-01-15] [--es-url http://127.0.0.1:9200]
 *
 * Prints the index pattern and the ground truth (expected matches and findings) as JSON.
 * Remove it afterwards with: curl -XDELETE '127.0.0.1:9200/<prefix>-*'
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '20260115' },
    day: { type: 'string', default: '2026-01-15' },
    'es-url': { type: 'string', default: process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200' },
  },
  strict: true,
});

const events = Number(values.events);
const fromMs = Date.parse(`${values.day}T00:00:00Z`);
if (!Number.isInteger(events) || events <= 0 || !Number.isFinite(fromMs)) {
  process.stderr.write(`generate: expected --events <positive integer> and --day <YYYY-MM-DD>, got ${values.events} and ${values.day}\n`);
  process.exit(2);
}
const es = new Client({ node: values['es-url'], requestTimeout: 300_000 });
const names = benchNames('manual');
try {
  const load = await loadDataset(es, names, { events, seed: Number(values.seed), fromMs, toMs: fromMs + 86_400_000, hosts: 500, users: 50, bucketMs: 3_600_000 }, { batch: 5_000, concurrency: 2 });
  process.stdout.write(`${JSON.stringify({ prefix: names.prefix, indexPattern: names.sourcePattern, from: new Date(fromMs).toISOString(), to: new Date(fromMs + 86_400_000).toISOString(), loadMs: Math.round(load.loadMs), truth: truthSummary(load.truth) }, null, 2)}\n`);
} finally {
  await es.close();
}
