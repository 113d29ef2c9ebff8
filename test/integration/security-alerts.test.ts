import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../src/app.js';
import { processRange, type PipelineDeps } from '../../src/aggregate/processor.js';
import { ruleBody, type RuleBody } from '../../src/setup/detection-rule.js';
import { alertSourceIndex } from '../../src/sink/alert-source.js';
import { detectFieldTypes } from '../../src/sink/field-types.js';
import { ensureFindingsIndex } from '../../src/sink/findings-index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { cleanup, createSourceIndex, indexDocs, readFindingDocs, testConfig, testNames } from '../helpers/pipeline.js';
import { testEsClient, testRedis } from '../helpers/services.js';

// Issue #12 item 6: exactly one Elastic Security alert per finding. Kibana cannot run here, so
// the installed rule's selection is run the way Kibana's query rule runs it, on the real
// Elasticsearch, with the rule's own index patterns, KQL query, timestamp field, interval and
// look-back (src/setup/detection-rule.ts ruleBody):
//
//   - each run at time T searches [T - (interval + look-back), T], both ends included, on the
//     timestamp override, with no fallback to @timestamp (build_events_query.ts
//     buildTimeRangeFilter), sorted ascending on it, paged with search_after;
//   - each hit becomes the alert whose id is sha256(_index + _id + _version + rule) (wrap_hits.ts,
//     utils.ts generateId); an id Kibana already has is dropped (create_persistence_rule_type_
//     wrapper.ts filterDuplicateAlerts, then a bulk create that refuses an existing _id).
//
// The real worker code (processRange) writes the findings and their alert sources while groups
// grow, late events arrive and a backfill rewrites old buckets, on a simulated clock that the
// rule runs follow; the alert-source index refreshes only when the test says, so a document can
// be written before a run and become searchable after it (the lateness the look-back covers).
// Kibana's search does not ask for _version (it hashes "undefined"); this test asks for it, the
// stricter reading: a document that changed version would count as a second alert.

const MINUTE = 60_000;

/** Kibana's alert id for a source hit (generateId in the detection engine's utils.ts). */
function kibanaAlertId(hit: estypes.SearchHit, ruleKey: string): string {
  return createHash('sha256').update(`${hit._index}${hit._id ?? ''}${String(hit._version)}${ruleKey}`).digest('hex');
}

/** "now-10m" as milliseconds before the run. */
function lookBackMs(from: string): number {
  const m = /^now-(\d+)([smh])$/.exec(from);
  assert.ok(m !== null, `the rule's from (${from}) is relative to now`);
  return Number(m[1]) * { s: 1_000, m: MINUTE, h: 60 * MINUTE }[m[2] as 's' | 'm' | 'h'];
}

/**
 * The rule's KQL as Elasticsearch query DSL, the way Kibana's KQL translates `field: "value"`
 * clauses joined by `and` (a match_phrase in a bool should). Any other form fails the test, so
 * a change of the rule's query cannot leave this translation behind unnoticed.
 */
function kqlToDsl(query: string): estypes.QueryDslQueryContainer {
  const clauses = query.split(/\s+and\s+/).map((c) => {
    const m = /^([\w.@]+)\s*:\s*"([^"]*)"$/.exec(c.trim());
    assert.ok(m !== null, `the test translates only field: "value" clauses, got ${c}`);
    return { bool: { should: [{ match_phrase: { [m[1] as string]: m[2] as string } }], minimum_should_match: 1 } };
  });
  return clauses.length === 1 ? (clauses[0] as estypes.QueryDslQueryContainer) : { bool: { filter: clauses } };
}

/** One rule: the runs so far and the alerts Kibana would hold. */
class SimulatedRule {
  readonly alerts = new Map<string, { run: number; index: string; id: string; version: number | undefined }>();
  readonly selections: { run: number; index: string; id: string; version: number | undefined }[] = [];
  private runs = 0;

  constructor(
    private readonly es: Client,
    readonly rule: RuleBody,
    private readonly space = 'default',
  ) {}

  /** One scheduled run at simulated time `nowMs`; returns the ids of the alerts it created. */
  async run(nowMs: number): Promise<string[]> {
    this.runs += 1;
    const ts = String(this.rule.timestamp_override);
    const from = new Date(nowMs - lookBackMs(String(this.rule.from))).toISOString();
    const to = new Date(nowMs).toISOString();
    const created: string[] = [];
    // One page of max_signals hits: the test writes far fewer (Kibana pages on with search_after).
    const size = Number(this.rule.max_signals);
    const res = await this.es.search({
      index: this.rule.index as string[],
      ignore_unavailable: true,
      allow_no_indices: true,
      size,
      version: true,
      query: { bool: { filter: [kqlToDsl(String(this.rule.query)), { range: { [ts]: { lte: to, gte: from, format: 'strict_date_optional_time' } } }] } },
      sort: [{ [ts]: { order: 'asc', unmapped_type: 'date' } }],
    });
    assert.ok(res.hits.hits.length < size, 'one page holds every hit');
    for (const hit of res.hits.hits) {
      const key = { run: this.runs, index: hit._index, id: hit._id ?? '', version: hit._version };
      this.selections.push(key);
      const alertId = kibanaAlertId(hit, `${this.space}:${this.rule.rule_id}`);
      if (this.alerts.has(alertId)) continue;
      this.alerts.set(alertId, key);
      created.push(alertId);
    }
    return created;
  }

  /** Alerts per source document id. */
  alertsPerSource(): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of this.alerts.values()) out.set(a.id, (out.get(a.id) ?? 0) + 1);
    return out;
  }
}

describe('exactly one Elastic Security alert per finding', () => {
  const names = testNames('alerts');
  let es: Client;
  let redis: Redis;
  let app: App;
  let deps: PipelineDeps;
  let rule: SimulatedRule;
  /** The naive design, as a control: a rule over the findings themselves, on their event.ingested. */
  let naive: SimulatedRule;
  let clock = 0;
  const source = names.index('defend');
  const t0 = Math.floor(Date.now() / (60 * MINUTE)) * 60 * MINUTE - 3 * 60 * MINUTE; // three hours ago, on the hour
  const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
  const proxied = (id: string, eventMinute: number, ingestedMinute: number, host: string, pid: number) => ({
    id,
    doc: defendEvent({ time: at(eventMinute), ingested: at(ingestedMinute), host, user: 'eve', commandLine: `curl -x socks5h://203.0.113.9:1080 https://c2.example/${pid}`, pid, ppid: 1 }),
  });
  const runs: { at: number; created: number }[] = [];

  /** The live worker: one window of ingest time (overlapping its predecessor by a minute). */
  async function liveWindow(fromMinute: number, toMinute: number): Promise<void> {
    clock = t0 + toMinute * MINUTE;
    await processRange(deps, { fromMs: t0 + (fromMinute - 1) * MINUTE, toMs: t0 + toMinute * MINUTE, basis: 'ingested' }, [names.sourcePattern], { skipUnchanged: true });
  }

  async function ruleRun(minute: number): Promise<void> {
    const created = await rule.run(t0 + minute * MINUTE);
    await naive.run(t0 + minute * MINUTE);
    runs.push({ at: minute, created: created.length });
  }

  const refreshAlerts = () => es.indices.refresh({ index: alertSourceIndex(names.alias) });

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, source);
    app = createApp(testConfig(names), silentLogger());
    const types = await detectFieldTypes(es);
    await ensureFindingsIndex(es, names.alias, { fieldTypes: types });
    // Searchable only when the test refreshes: a write can land before a run and show after it.
    await es.indices.putSettings({ index: alertSourceIndex(names.alias), settings: { 'index.refresh_interval': '-1' } });
    deps = { ...app.pipelineDeps(), now: () => clock };
    rule = new SimulatedRule(es, ruleBody(names.alias, types));
    naive = new SimulatedRule(es, { ...ruleBody(names.alias, types), index: [`${names.alias}*`], query: 'event.dataset: "curl_proxy_detector.finding"' });

    // Hour 2 (event time t0+120..): two groups; a grows over time, b is complete at once.
    await indexDocs(es, source, [proxied('a1', 125, 125, 'web-1', 100), proxied('b1', 126, 126, 'web-2', 200), proxied('b2', 127, 127, 'web-2', 200)]);
    await liveWindow(124, 128);
    await refreshAlerts();
    await ruleRun(130);

    // a grows twice, across rule runs; each growth rewrites its finding (a new _version).
    await indexDocs(es, source, [proxied('a2', 131, 131, 'web-1', 100)]);
    await liveWindow(128, 132);
    await refreshAlerts();
    await ruleRun(135);
    await indexDocs(es, source, [proxied('a3', 137, 137, 'web-1', 100)]);
    await liveWindow(132, 138);
    await refreshAlerts();
    await ruleRun(140);

    // A late event: it happened in hour 1 and arrives now; its group and bucket are new.
    await indexDocs(es, source, [proxied('late1', 70, 141, 'db-1', 300)]);
    await liveWindow(138, 142);
    // Written at 142, searchable only after the run at 145: the next run's look-back finds it.
    await ruleRun(145);
    await refreshAlerts();
    await ruleRun(150);

    // A late event of an existing group: b's finding grows after its alert was raised.
    await indexDocs(es, source, [proxied('b3', 128, 151, 'web-2', 200)]);
    await liveWindow(150, 152);
    await refreshAlerts();
    await ruleRun(155);

    // A backfill over hours 0-2 by event time: it rewrites every finding there, and finds one
    // that no live window saw (its event was ingested before the live windows began).
    await indexDocs(es, source, [proxied('old1', 10, 15, 'legacy-1', 400)]);
    clock = t0 + 158 * MINUTE;
    await processRange(deps, { fromMs: t0, toMs: t0 + 180 * MINUTE, basis: 'event' }, [names.sourcePattern]);
    await refreshAlerts();
    for (const minute of [160, 165, 170, 175]) await ruleRun(minute);
  });

  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('raises one alert for every finding, and no other', async () => {
    const findings = await readFindingDocs(es, names.alias);
    const perSource = rule.alertsPerSource();
    assert.equal(findings.size, 4, 'groups a, b, the late one and the backfilled one');
    assert.deepEqual([...perSource.keys()].sort(), [...findings.keys()].sort());
    for (const [id, n] of perSource) assert.equal(n, 1, `finding ${id}: ${n} alerts`);
    assert.equal(rule.alerts.size, findings.size);
  });

  it('selects each finding\'s alert source with one (_index, _id, _version), in overlapping runs and after every rewrite', async () => {
    const versions = new Map<string, Set<string>>();
    for (const s of rule.selections) versions.set(s.id, (versions.get(s.id) ?? new Set()).add(`${s.index}|${s.version}`));
    for (const [id, v] of versions) assert.deepEqual([...v], [`${alertSourceIndex(names.alias)}|1`], `finding ${id}`);
    const runsPerSource = new Map<string, number>();
    for (const s of rule.selections) runsPerSource.set(s.id, (runsPerSource.get(s.id) ?? 0) + 1);
    assert.ok([...runsPerSource.values()].some((n) => n > 1), 'the look-back overlap really re-selected documents, and they were deduplicated');
  });

  it('raises the alert of a new group or bucket in the first run that can see it, late writes included', () => {
    assert.deepEqual(runs, [
      { at: 130, created: 2 }, // a and b
      { at: 135, created: 0 }, // a grew: no new alert
      { at: 140, created: 0 }, // a grew again
      { at: 145, created: 0 }, // the late finding is written but not yet searchable
      { at: 150, created: 1 }, // ...and the look-back finds it
      { at: 155, created: 0 }, // b grew with a late event
      { at: 160, created: 1 }, // the backfill's new finding; its rewrites raise nothing
      { at: 165, created: 0 },
      { at: 170, created: 0 },
      { at: 175, created: 0 },
    ]);
  });

  it('keeps the alert source as first written while the finding grows, linked by finding.id', async (t) => {
    const findings = await readFindingDocs(es, names.alias);
    const grown = [...findings.entries()].find(([, d]) => (d.source['host'] as { name: string }).name === 'web-1');
    assert.ok(grown !== undefined);
    const [id, finding] = grown;
    assert.equal((finding.source['finding'] as { count: number }).count, 3);
    const alertSource = await es.get<Record<string, any>>({ index: alertSourceIndex(names.alias), id });
    assert.equal(alertSource._version, 1);
    assert.equal(alertSource._source?.finding.count, 1, 'the count when it was first written');
    assert.equal(alertSource._source?.finding.id, id);
    assert.equal(alertSource._source?.event.ingested, at(128), 'stamped once, by the first window that wrote the finding');
    assert.equal(alertSource._source?.host.name, 'web-1');
    assert.equal(alertSource._source?.user.name, 'eve');
    // Shown in the test output (TAP diagnostics), for the closing note.
    t.diagnostic(`finding ${id} (version ${String(finding.version)}): ${JSON.stringify(finding.source)}`);
    t.diagnostic(`alert source ${id} (version ${alertSource._version}): ${JSON.stringify(alertSource._source)}`);
  });

  it('would raise duplicates with the naive design the alert sources replace (the control: this test can fail)', () => {
    const perSource = naive.alertsPerSource();
    assert.ok([...perSource.values()].some((n) => n > 1), `a rule over the findings on their moving event.ingested raises a growing finding more than once: ${JSON.stringify([...perSource.values()])}`);
  });
});
