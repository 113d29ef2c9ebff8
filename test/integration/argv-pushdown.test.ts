import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Client, estypes } from '@elastic/elasticsearch';
import { createClassifier, type Classifier } from '../../src/aggregate/classify.js';
import { loadConfig } from '../../src/config/load.js';
import { defaultFieldMap } from '../../src/normalize/fields.js';
import type { SourceHit } from '../../src/normalize/ecs-to-cim.js';
import { buildRangeQuery } from '../../src/source/query.js';
import type { RuleInput } from '../../src/rule/types.js';
import { RULE_CASES } from '../unit/rule/cases.js';
import { loadProducerHit, producerFixtures } from '../fixtures/producers/index.js';
import { randomCase, toInvocation } from '../support/curl-invocations.js';
import { seeded } from '../support/random.js';
import { FAMILIES, TRANSFER_FAMILIES, caseSeed, genFragmentInput, genInput } from '../support/rule-generators.js';
import { createSourceIndex } from '../helpers/pipeline.js';
import { testEsClient, uniqueName } from '../helpers/services.js';

/**
 * The proof that the `argv` push-down loses no match (issue #14): every event of the rule's
 * case table, its property generators (random events and dense fragment lines), its hostile
 * megabyte families, the producer fixtures, random curl invocations and padded events is
 * indexed into the real Elasticsearch, shaped as producers write it (argv with Elastic
 * Defend's shape, command line only with Sysmon for Linux's), on keyword mappings and, where
 * the cluster has the wildcard field type, on wildcard ones. Every event the classifier
 * matches in argv mode (with either no-proxy '*' setting), undecided matches included, must
 * come back from the push-down query.
 */

const RANDOM_CASES = Number(process.env.PUSHDOWN_RANDOM_CASES ?? 3_000);
const PROPERTY_CASES = Number(process.env.PUSHDOWN_PROPERTY_CASES ?? 3_000);
const PROPERTY_SEED = 0x14_5eed;
const TIME = '2026-11-01T10:00:00.000Z';

interface Indexed {
  id: string;
  /** Where it is written, after the mapping variant's prefix: producer fixtures each in an index of their own (their mappings differ). */
  suffix: string;
  /** The index the classifier is told the hit came from (producer fixtures keep their real one). */
  index: string | null;
  doc: Record<string, unknown>;
}

/** Drops undefined members, as a producer leaves a field out. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Elastic Defend's shape: exact argv, its count, the command line, captured environment. */
function defendDoc(input: RuleInput): Record<string, unknown> {
  return {
    '@timestamp': TIME,
    event: { category: ['process'], type: ['start'], action: 'exec', dataset: 'endpoint.events.process' },
    data_stream: { dataset: 'endpoint.events.process' },
    process: defined({
      name: input.processName,
      executable: input.processPath,
      args: input.args,
      args_count: input.args?.length,
      command_line: input.commandLine,
      env_vars: input.envVars,
    }),
  };
}

/** Sysmon for Linux's shape: process.name is "sysmon", the image is the executable, only the command line is read. */
function sysmonDoc(input: RuleInput): Record<string, unknown> {
  return {
    '@timestamp': TIME,
    event: { category: ['process'], type: ['start'], action: 'log', code: '1', dataset: 'sysmon_linux.log' },
    data_stream: { dataset: 'sysmon_linux.log' },
    process: defined({ name: 'sysmon', executable: input.processPath ?? '(null)', command_line: input.commandLine ?? input.args?.join(' ') }),
  };
}

function eventsFor(label: string, input: RuleInput): Indexed[] {
  return [
    { id: `${label}-defend`, suffix: 'main', index: null, doc: defendDoc(input) },
    { id: `${label}-sysmon`, suffix: 'main', index: null, doc: sysmonDoc(input) },
  ];
}

function allEvents(): Indexed[] {
  const out: Indexed[] = [];
  RULE_CASES.forEach((c, i) => out.push(...eventsFor(`case-${i}`, c.input)));
  producerFixtures.forEach((name, n) => {
    const hit = loadProducerHit(name);
    out.push({ id: `producer-${name}`, suffix: `p${n}`, index: hit.index, doc: hit.source as Record<string, unknown> });
  });
  for (let i = 0; i < RANDOM_CASES; i++) {
    const { args, env } = toInvocation(randomCase(seeded(0x9d5 + i)));
    const argv = ['curl', ...args];
    const envVars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    out.push(...eventsFor(`random-${i}`, { processName: 'curl', processPath: '/usr/bin/curl', args: argv, commandLine: argv.join(' '), envVars }));
  }
  for (let i = 0; i < PROPERTY_CASES; i++) out.push(...eventsFor(`property-${i}`, genInput(seeded(caseSeed(PROPERTY_SEED, i)))));
  for (let i = 0; i < PROPERTY_CASES / 3; i++) out.push(...eventsFor(`fragment-${i}`, genFragmentInput(seeded(caseSeed(PROPERTY_SEED + 1, i)))));
  [...FAMILIES, ...TRANSFER_FAMILIES].forEach((family, i) => out.push(...eventsFor(`family-${i}`, family.make())));
  // Padded: longer than the mapping indexes (ignore_above 8191) or than the normalizer reads.
  const pad = 'a'.repeat(1_100_000);
  const hostile: [string, RuleInput][] = [
    ['line-over-ignore-above', { processName: 'curl', processPath: '/usr/bin/curl', commandLine: `curl ${'b'.repeat(9_000)} -x p:1 https://a` }],
    ['line-over-read-limit', { processName: 'curl', processPath: '/usr/bin/curl', commandLine: `curl -s ${pad} https://a` }],
    ['arg-over-read-limit', { processName: 'curl', processPath: '/usr/bin/curl', args: ['curl', pad, 'https://a'] }],
    ['many-args', { processName: 'curl', processPath: '/usr/bin/curl', args: ['curl', ...Array.from({ length: 10_001 }, () => '-s'), 'https://a'] }],
    // Deliberately left out (see leftOut below): indexed whole, cut by the normalizer right after /curl.
    ['long-path-cut-after-curl', { processPath: `/opt/${'c'.repeat(4_086)}/curl${'c'.repeat(2_000)}`, args: ['curl', '-s', 'https://a'] }],
    ['no-name-at-all', { commandLine: '-x p:1 https://a' }],
  ];
  for (const [label, input] of hostile) out.push(...eventsFor(`hostile-${label}`, input));
  return out;
}

/**
 * Matches the push-down leaves out on purpose (docs/rule.md "The argv push-down"): an
 * executable path longer than any exec can have (PATH_MAX), which the normalizer cuts at 4,096
 * bytes right after "/curl" and so counts as an undecided match, while argv shows no proxy.
 */
const leftOut = new Set(['hostile-long-path-cut-after-curl-defend', 'hostile-long-path-cut-after-curl-sysmon']);

/**
 * The classifier in argv mode under both no-proxy '*' settings: the push-down must serve
 * either. Credentials are not redacted: a match's shown command line plays no part here, and
 * redacting some megabyte families takes minutes (see the report of issue #14).
 */
function classifiers(): Classifier[] {
  return [true, false].map((star) =>
    createClassifier(loadConfig({ env: {}, flags: { 'rule.mode': 'argv', 'rule.noproxyStarDisables': star, 'sink.redactCredentials': false } }), defaultFieldMap),
  );
}

/** The ids of the events argv mode matches (undecided and suppressed included) and how many were undecided. */
function matchedIds(events: readonly Indexed[], prefix: string): { ids: Set<string>; undecided: number } {
  const ids = new Set<string>();
  let undecided = 0;
  for (const classifier of classifiers()) {
    for (const e of events) {
      const hit: SourceHit = { index: e.index ?? `${prefix}-${e.suffix}`, id: e.id, source: e.doc };
      const result = classifier.classify(hit);
      assert.notEqual(result.kind, 'failed', `${e.id}: ${JSON.stringify(result)}`);
      if (result.kind === 'match' || result.kind === 'suppressed') {
        if (!ids.has(e.id) && result.kind === 'match' && result.match.undecided) undecided++;
        ids.add(e.id);
      }
    }
  }
  return { ids, undecided };
}

/** Bulk requests of at most ~8 MB: the hostile families are a megabyte each. */
async function indexAll(es: Client, prefix: string, events: readonly Indexed[]): Promise<void> {
  let batch: Indexed[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const res = await es.bulk({ operations: batch.flatMap((e) => [{ index: { _index: `${prefix}-${e.suffix}`, _id: e.id } }, e.doc]) }, { requestTimeout: 300_000 });
    if (res.errors) throw new Error(`bulk errors: ${JSON.stringify(res.items.filter((x) => x.index?.error).slice(0, 3))}`);
    batch = [];
    bytes = 0;
  };
  for (const e of events) {
    const size = JSON.stringify(e.doc).length;
    if (bytes + size > 8_000_000) await flush();
    batch.push(e);
    bytes += size;
  }
  await flush();
  await es.indices.refresh({ index: `${prefix}-*` });
}

/** Every id the push-down query returns, paged with search_after. */
async function fetchedIds(es: Client, prefix: string): Promise<Set<string>> {
  const query = buildRangeQuery({ fromMs: 0, toMs: Date.parse('2100-01-01'), basis: 'event' }, 'event.ingested', 'argv');
  const returned = new Set<string>();
  let searchAfter: estypes.SortResults | undefined;
  for (;;) {
    const res = await es.search({ index: `${prefix}-*`, query, size: 5_000, _source: false, sort: ['_doc'], ...(searchAfter ? { search_after: searchAfter } : {}) });
    for (const h of res.hits.hits) returned.add(h._id ?? '');
    if (res.hits.hits.length < 5_000) break;
    searchAfter = res.hits.hits.at(-1)?.sort;
  }
  return returned;
}

/** Mapped as ECS mappings with the wildcard type would be, for the fields the push-down searches (ignore_above kept, so `_ignored` still tells). */
async function createWildcardSourceIndex(es: Client, index: string): Promise<void> {
  const wildcard = { type: 'wildcard', ignore_above: 8191 } as const;
  await es.indices.create({
    index,
    settings: { number_of_replicas: 0 },
    mappings: {
      dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 8191 } } }],
      properties: {
        '@timestamp': { type: 'date' },
        event: { properties: { ingested: { type: 'date' }, original: { type: 'keyword', index: false, doc_values: false } } },
        process: { properties: { command_line: wildcard, args: wildcard, executable: wildcard, env_vars: wildcard, pid: { type: 'long' } } },
      },
    },
  });
}

/** True when the cluster has the wildcard field type (x-pack's wildcard module; absent from some builds). */
async function hasWildcardType(es: Client, probe: string): Promise<boolean> {
  try {
    await es.indices.create({ index: probe, mappings: { properties: { f: { type: 'wildcard' } } } });
    await es.indices.delete({ index: probe });
    return true;
  } catch {
    return false;
  }
}

describe('the argv push-down', () => {
  let es: Client;
  const name = uniqueName('argv-pushdown');
  const events = allEvents();

  before(() => {
    es = testEsClient();
  });

  after(async () => {
    await es.indices.delete({ index: `${name}*`, ignore_unavailable: true });
    await es.close();
  });

  /** Indexes every event under `prefix`, then checks that every match comes back. */
  async function checkVariant(t: TestContext, prefix: string, create: (es: Client, index: string) => Promise<void>): Promise<void> {
    for (const suffix of new Set(events.map((e) => e.suffix))) await create(es, `${prefix}-${suffix}`);
    await indexAll(es, prefix, events);
    const { ids: matched, undecided } = matchedIds(events, prefix);
    const returned = await fetchedIds(es, prefix);
    const lost = [...matched].filter((id) => !returned.has(id) && !leftOut.has(id));
    const notFetched = [...matched].filter((id) => !returned.has(id));
    t.diagnostic(
      `${events.length} events indexed, ${matched.size} matched in argv mode (${undecided} undecided), ${returned.size} returned by the push-down, ` +
        `${matched.size - notFetched.length} of the matches among them; not fetched: ${notFetched.join(', ') || 'none'}`,
    );
    assert.deepEqual(lost.slice(0, 20), [], `${lost.length} matches the push-down does not fetch`);
    assert.ok(undecided >= 4, `expected the hostile undecided matches, got ${undecided}`);
    assert.ok(matched.size > 2_000, `expected many matches, got ${matched.size}`);
    // Precision is the benchmark's to measure; this only guards against a filter that keeps everything.
    assert.ok(returned.size < events.length, `the push-down returned all ${events.length} events`);
  }

  it('returns every event argv mode matches on keyword mappings, undecided matches included', { timeout: 1_200_000 }, async (t) => {
    await checkVariant(t, `${name}-kw`, createSourceIndex);
  });

  it('returns every event argv mode matches on wildcard mappings, where the cluster has the type', { timeout: 1_200_000 }, async (t) => {
    if (!(await hasWildcardType(es, `${name}-probe`))) {
      t.skip('this Elasticsearch has no wildcard field type');
      return;
    }
    await checkVariant(t, `${name}-wc`, createWildcardSourceIndex);
  });
});
