import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { deleteKeys, esUrl, redisUrl, uniqueName } from './services.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Names one test owns: source indices, findings alias, Redis prefix. */
export interface TestNames {
  prefix: string;
  sourcePattern: string;
  alias: string;
  keyPrefix: string;
  index(kind: string): string;
}

/** Fresh names for one test. */
export function testNames(label: string): TestNames {
  const prefix = uniqueName(`cpdt-${label}`).toLowerCase();
  return {
    prefix,
    sourcePattern: `${prefix}-src-*`,
    alias: `${prefix}-findings`,
    keyPrefix: prefix.replace(/[^a-z0-9_-]/g, '_'),
    index: (kind) => `${prefix}-src-${kind}`,
  };
}

/** A config for tests: the test services, the test's own names, fast polling. */
export function testConfig(names: TestNames, flags: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    defaultsDir: '/nonexistent',
    flags: {
      'elasticsearch.url': esUrl,
      'redis.url': redisUrl,
      'redis.keyPrefix': names.keyPrefix,
      'sink.findingsAlias': names.alias,
      'sink.refresh': 'wait_for',
      'source.indexPatterns': [names.sourcePattern],
      'live.pollIntervalMs': 250,
      'live.queryDelayMs': 1_200,
      'live.overlapMs': 5_000,
      'worker.backoffMs': 200,
      'worker.leaderLeaseMs': 3_000,
      'worker.lockDurationMs': 4_000,
      'worker.backfillRetryIntervalMs': 2_000,
      // Several workers share this host: each takes a free port for its health endpoints.
      'health.port': 0,
      'log.level': process.env.LOG_LEVEL ?? 'warn',
      ...flags,
    },
  });
}

/** Flags for a child `curl-proxy-detector` process equivalent to testConfig (as --set pairs). */
export function childArgs(config: Config): string[] {
  const pairs: [string, unknown][] = [
    ['elasticsearch.url', config.elasticsearch.url],
    ['elasticsearch.requestTimeoutMs', config.elasticsearch.requestTimeoutMs],
    ['elasticsearch.maxRetries', config.elasticsearch.maxRetries],
    ['redis.url', config.redis.url],
    ['redis.keyPrefix', config.redis.keyPrefix],
    ['sink.findingsAlias', config.sink.findingsAlias],
    ['sink.refresh', config.sink.refresh],
    ['source.indexPatterns', JSON.stringify(config.source.indexPatterns)],
    ['live.pollIntervalMs', config.live.pollIntervalMs],
    ['live.queryDelayMs', config.live.queryDelayMs],
    ['live.overlapMs', config.live.overlapMs],
    ['live.initialLookbackMs', config.live.initialLookbackMs],
    ['worker.backoffMs', config.worker.backoffMs],
    ['worker.leaderLeaseMs', config.worker.leaderLeaseMs],
    ['worker.lockDurationMs', config.worker.lockDurationMs],
    ['worker.backfillRetryIntervalMs', config.worker.backfillRetryIntervalMs],
    ['health.port', config.health.port],
    ['rule.suppressions', JSON.stringify(config.rule.suppressions)],
    ['log.level', config.log.level],
    ['backfill.chunkCandidates', config.backfill.chunkCandidates],
  ];
  return pairs.flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
}

/** Creates a source index mapped like ECS (keywords, dates), as integrations do. */
export async function createSourceIndex(es: Client, index: string): Promise<void> {
  await es.indices.create({
    index,
    settings: { number_of_replicas: 0 },
    mappings: {
      dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 8191 } } }],
      properties: {
        '@timestamp': { type: 'date' },
        event: { properties: { ingested: { type: 'date' }, original: { type: 'keyword', index: false, doc_values: false } } },
        process: { properties: { command_line: { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'text' } } }, pid: { type: 'long' }, parent: { properties: { pid: { type: 'long' } } } } },
      },
    },
  });
}

/** Bulk-indexes documents with given ids; fails the test on any item error. */
export async function indexDocs(es: Client, index: string, docs: readonly { id: string; doc: Record<string, unknown> }[]): Promise<void> {
  if (docs.length === 0) return;
  const res = await es.bulk({ operations: docs.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d.doc]), refresh: 'wait_for' });
  if (res.errors) throw new Error(`bulk errors: ${JSON.stringify(res.items.filter((i) => i.index?.error).slice(0, 3))}`);
}

/** A finding reduced to what tests compare. */
export interface FindingSummary {
  id: string;
  host: string;
  user: string;
  parent: string;
  commandLine: string;
  pid: number | undefined;
  count: number;
  start: string;
  end: string;
  version: number | undefined;
}

/** Every finding under the alias, full documents keyed by id (refreshes first). */
export async function readFindingDocs(es: Client, alias: string): Promise<Map<string, { version: number | undefined; source: Record<string, unknown> }>> {
  await es.indices.refresh({ index: `${alias}*`, ignore_unavailable: true, allow_no_indices: true });
  const res = await es.search<Record<string, unknown>>({ index: `${alias}*`, ignore_unavailable: true, allow_no_indices: true, size: 10_000, version: true, query: { match_all: {} } });
  return new Map(res.hits.hits.map((h) => [h._id ?? '', { version: h._version, source: h._source ?? {} }]));
}

/**
 * A stored finding without `event.ingested`, the time of its last write: a rewrite with the
 * same content changes only that, so "nothing changed" compares the rest.
 */
export function withoutWriteTime<T extends { source: Record<string, unknown> } | undefined>(doc: T): T {
  if (doc === undefined) return doc;
  const event = doc.source['event'] as Record<string, unknown> | undefined;
  if (event === undefined) return doc;
  const { ingested: _written, ...rest } = event;
  return { ...doc, source: { ...doc.source, event: rest } };
}

/** Findings summarised and sorted (host, command line, start). */
export async function readFindings(es: Client, alias: string): Promise<FindingSummary[]> {
  const docs = await readFindingDocs(es, alias);
  const out: FindingSummary[] = [];
  for (const [id, { version, source: s }] of docs) {
    const f = s as { host: { name: string }; user: { name: string }; process: { command_line: string; pid?: number; parent: { name?: string } }; finding: { count: number; first_time: string; last_time: string } };
    out.push({ id, host: f.host.name, user: f.user.name, parent: f.process.parent.name ?? 'unknown', commandLine: f.process.command_line, pid: f.process.pid, count: f.finding.count, start: f.finding.first_time, end: f.finding.last_time, version });
  }
  return out.sort((a, b) => `${a.host}|${a.commandLine}|${a.start}`.localeCompare(`${b.host}|${b.commandLine}|${b.start}`));
}

/** Removes everything a test created in Elasticsearch and Redis. */
export async function cleanup(es: Client, redis: Redis, names: TestNames): Promise<void> {
  // expand_wildcards all: the alert-source index <alias>-alerts is hidden.
  await es.indices.delete({ index: `${names.prefix}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' }).catch(() => undefined);
  for (const name of [names.alias, `${names.alias}-alerts`]) await es.indices.deleteIndexTemplate({ name }, { ignore: [404] }).catch(() => undefined);
  await deleteKeys(redis, `${names.keyPrefix}:*`);
}

/** Polls `fn` until it returns a value that `done` accepts, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (done(last)) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`);
}
