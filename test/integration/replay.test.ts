import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { createClassifier, type Match } from '../../src/aggregate/classify.js';
import { loadConfig } from '../../src/config/load.js';
import { defaultFieldMap } from '../../src/normalize/fields.js';
import { recordId } from '../../src/replay/records.js';
import type { ReplaySummary } from '../../src/replay/replay.js';
import { esUrl, testEsClient, uniqueName } from '../helpers/services.js';

// Needs: a real Elasticsearch (server core: bulk, composable templates, simulate index).

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sysmonSample = new URL('../../samples/sysmon-linux.log', import.meta.url).pathname;
const ecsSample = new URL('../../samples/sample-events.ndjson', import.meta.url).pathname;
const sysmonLines = readFileSync(sysmonSample, 'utf8').split('\n');

/** Runs the real CLI entry (main, from src/) in a child process, so its output and exit code are its own. */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);";
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.CPD_CONFIG;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', '--es-url', esUrl, 'replay', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function replayJson(args: string[]): ReplaySummary {
  const r = cli(['--json', ...args]);
  assert.equal(r.code, 0, `replay failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReplaySummary;
}

interface Hit {
  id: string;
  index: string;
  source: Record<string, any>;
}

async function allDocs(es: Client, index: string): Promise<Hit[]> {
  const res = await es.search<Record<string, any>>({ index, size: 1_000, sort: [{ '@timestamp': 'asc' }], query: { match_all: {} } });
  return res.hits.hits.map((h) => ({ id: h._id as string, index: h._index, source: h._source as Record<string, any> }));
}

function classify(hits: readonly Hit[], mode: 'argv' | 'splunk'): Match[] {
  const classifier = createClassifier(loadConfig({ env: {}, flags: { 'rule.mode': mode } }), defaultFieldMap);
  return hits.flatMap((hit) => {
    const c = classifier.classify(hit);
    return c.kind === 'match' ? [c.match] : [];
  });
}

describe('replay of the Sysmon for Linux sample into a real Elasticsearch', () => {
  const index = `${uniqueName('cpdt-replay')}-sysmon`;
  let es: Client;
  let first: ReplaySummary;

  before(async () => {
    es = testEsClient();
    first = replayJson(['--format', 'sysmon-linux', '--index', index, sysmonSample]);
  });
  after(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  it('loads every process start and skips the other lines with their line numbers', async () => {
    assert.equal(first.loaded, 16);
    assert.equal(first.alreadyPresent, 0);
    assert.equal(first.rejected, 0);
    assert.equal(first.skipped, 3);
    assert.deepEqual(first.skippedByReason, { 'event id 3 is not a process start': 1, 'event id 5 is not a process start': 1, 'malformed XML': 1 });
    assert.deepEqual(first.skippedLines.map((s) => s.line), [4, 5, 11]);
    assert.match(first.skippedLines[2]?.message ?? '', /^line 11: expected well-formed <Event> XML: expected .+, got end of input$/);
    assert.equal((await es.count({ index })).count, 16);
  });

  it('creates the missing index with the ECS-subset mapping, since no template matches it', async () => {
    assert.deepEqual(first.indices.map((i) => [i.name, i.preparation, i.loaded, i.readByWorker]), [[index, 'created', 16, false]]);
    const mapping = (await es.indices.getMapping({ index }))[index]?.mappings as Record<string, any>;
    assert.equal(mapping.properties.process.properties.pid.type, 'long');
    assert.equal(mapping.properties.process.properties.command_line.type, 'keyword');
    assert.equal(mapping.properties.process.properties.command_line.fields.text.type, 'text');
    assert.equal(mapping.properties.event.properties.original.index, false);
    assert.equal(mapping.properties.event.properties.ingested.type, 'date');
    assert.equal(mapping.properties.winlog.properties.event_data.properties.LogonId.type, 'keyword');
  });

  it('writes the fields the integration writes, under the id of the line', async () => {
    const line = sysmonLines[2] as string;
    const doc = (await es.get<Record<string, any>>({ index, id: recordId(line) }))._source as Record<string, any>;
    assert.equal(doc['@timestamp'], '2026-11-02T09:02:10.250Z');
    assert.equal(doc.process.name, 'sysmon', 'the syslog app name, as the integration sets it');
    assert.equal(doc.process.executable, '/usr/bin/curl');
    assert.equal(doc.process.command_line, 'curl -x socks5h://203.0.113.5:1080 https://example.com/');
    assert.deepEqual(doc.process.args, ['curl', '-x', 'socks5h://203.0.113.5:1080', 'https://example.com/']);
    assert.equal(doc.process.pid, 7101);
    assert.deepEqual(
      { pid: doc.process.parent.pid, executable: doc.process.parent.executable, command_line: doc.process.parent.command_line, name: doc.process.parent.name },
      { pid: 7001, executable: '/usr/bin/bash', command_line: '-bash', name: undefined },
    );
    assert.equal(doc.user, undefined, 'no user.name for a plain Linux user');
    assert.equal(doc.event.original, line);
    assert.deepEqual(doc.tags, ['preserve_original_event']);
    assert.deepEqual([doc.event.action, doc.event.code, doc.event.category, doc.event.type, doc.event.kind, doc.event.provider], ['log', '1', ['process'], ['start'], 'event', 'Linux-Sysmon']);
    assert.equal(doc.data_stream.dataset, 'sysmon_linux.log');
    assert.deepEqual([doc.host.hostname, doc.winlog.computer_name], ['jump-01', 'jump-01']);
    assert.ok(Math.abs(Date.parse(doc.event.ingested) - Date.now()) < 120_000, 'event.ingested is the load time');
  });

  it('sets user.name and user.domain only for a DOMAIN\\user record', async () => {
    const doc = (await es.get<Record<string, any>>({ index, id: recordId(sysmonLines[9] as string) }))._source as Record<string, any>;
    assert.deepEqual(doc.user, { domain: 'CORP', name: 'carol' });
  });

  it('adds nothing when the same file is replayed again', async () => {
    const again = replayJson(['--format', 'sysmon-linux', '--index', index, sysmonSample]);
    assert.equal(again.loaded, 0);
    assert.equal(again.alreadyPresent, 16);
    assert.equal(again.indices[0]?.preparation, 'exists');
    assert.equal((await es.count({ index })).count, 16);
  });

  it('is detected by the worker\'s classifier: name from the executable, user from event.original', async () => {
    const hits = await allDocs(es, index);
    const argv = classify(hits, 'argv');
    assert.equal(argv.length, 6);
    assert.equal(new Set(argv.map((m) => m.findingId)).size, 5, 'the repeated curl counts twice in one finding');
    const first3 = argv.find((m) => m.group.process === 'curl -x socks5h://203.0.113.5:1080 https://example.com/');
    assert.ok(first3 !== undefined);
    assert.equal(first3.meta.sourceKind, 'sysmon_linux');
    assert.equal(first3.group.process_name, 'curl');
    assert.equal(first3.group.user, 'root');
    assert.equal(first3.group.dest, 'jump-01');
    assert.equal(first3.group.parent_process_name, 'bash');
    assert.deepEqual(first3.meta.proxies.map((p) => [p.scheme, p.host, p.port]), [['socks5h', '203.0.113.5', 1080]]);
    assert.deepEqual(argv.map((m) => m.group.user).sort(), ['carol', 'root', 'root', 'root', 'root', 'root']);
    const splunk = classify(hits, 'splunk');
    assert.equal(splunk.length, 6);
    assert.ok(splunk.some((m) => m.group.process.startsWith('curl -X POST')), 'the analytic\'s -X POST false positive');
  });
});

describe('replay with --shift-to-now', () => {
  const index = `${uniqueName('cpdt-replay')}-shift`;
  let es: Client;

  before(() => {
    es = testEsClient();
  });
  after(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  it('moves every event by the same delta so the latest lands at now', async () => {
    const before = Date.now();
    const summary = replayJson(['--shift-to-now', '--index', index, sysmonSample]);
    assert.equal(summary.format, 'sysmon-linux', 'the format is guessed from the first line');
    assert.equal(summary.shift.applied, true);
    assert.equal(summary.shift.latestBefore, '2026-11-02T09:50:10.250Z');
    const docs = await allDocs(es, index);
    const latest = Math.max(...docs.map((d) => Date.parse(d.source['@timestamp'])));
    assert.ok(latest >= before - 1 && latest <= Date.now(), 'the latest event is at the load time');
    for (const d of docs) {
      const original = /<Data Name="UtcTime">([^<]+)</.exec(d.source.event.original)?.[1] as string;
      assert.equal(Date.parse(d.source['@timestamp']) - Date.parse(`${original.replace(' ', 'T')}Z`), summary.shift.deltaMs);
      assert.equal(Date.parse(d.source.event.created) - Date.parse(d.source['@timestamp']), 3, 'event.created moved with @timestamp');
    }
  });
});

describe('replay of the bundled ECS sample', () => {
  const index = `${uniqueName('cpdt-replay')}-ecs`;
  let es: Client;

  before(() => {
    es = testEsClient();
  });
  after(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  it('loads every event and gives the findings samples/README.md states', async () => {
    const summary = replayJson(['--index', index, ecsSample]);
    const lines = readFileSync(ecsSample, 'utf8').trimEnd().split('\n').length;
    assert.equal(summary.format, 'ecs-ndjson');
    assert.equal(summary.loaded, lines);
    assert.equal(summary.skipped + summary.rejected, 0);
    const hits = await allDocs(es, index);
    assert.equal(hits.length, lines);
    const readme = readFileSync(new URL('../../samples/README.md', import.meta.url), 'utf8');
    const stated = (re: RegExp) => Number(re.exec(readme)?.[1]);
    assert.equal(new Set(classify(hits, 'argv').map((m) => m.findingId)).size, stated(/\*\*argv mode\*\* \(default\): \*\*(\d+) findings/));
    assert.equal(new Set(classify(hits, 'splunk').map((m) => m.findingId)).size, stated(/\*\*splunk mode\*\*: \*\*(\d+) findings/));
  });
});

describe('replay of a file with bad records', () => {
  const prefix = uniqueName('cpdt-replay');
  const plain = `${prefix}-bad`;
  const templated = `${prefix}-tpl-x`;
  const template = `${prefix}-tpl`;
  let es: Client;
  let file: string;

  before(async () => {
    es = testEsClient();
    file = join(mkdtempSync(join(tmpdir(), 'cpd-replay-')), 'events.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ '@timestamp': '2026-11-01T10:00:00Z', process: { name: 'curl', pid: 1 } }),
        '{"@timestamp": "2026-11-01T10:00:01Z", "process": ',
        '',
        JSON.stringify({ process: { name: 'curl' } }),
        JSON.stringify({ '@timestamp': '2026-11-01T10:00:03Z', process: { name: 'curl', pid: 'not-a-number' } }),
        JSON.stringify({ '@timestamp': 'last tuesday' }),
        JSON.stringify({ '@timestamp': '2026-11-01T10:00:05Z', process: { name: 'bash', pid: 5 } }),
      ].join('\r\n'),
    );
    await es.indices.putIndexTemplate({ name: template, index_patterns: [`${prefix}-tpl-*`], template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { '@timestamp': { type: 'date' } } } } });
  });
  after(async () => {
    await es.indices.delete({ index: [plain, templated], ignore_unavailable: true });
    await es.indices.deleteIndexTemplate({ name: template }, { ignore: [404] });
    await es.close();
  });

  it('reports each bad line with its number and what was expected, and loads the rest', async () => {
    const r = cli(['--index', plain, file]);
    assert.equal(r.code, 0, 'the file was read: exit 0 even with skipped lines');
    assert.match(r.stdout, new RegExp(`^replayed .*events\\.ndjson \\(ecs-ndjson, 7 lines\\): 2 loaded, 0 already present, 3 skipped, 1 rejected\\n`));
    assert.match(r.stdout, new RegExp(`  ${plain} \\(created with mappings/ecs-process-events.json\\): 2 loaded, 0 already present, 1 rejected`));
    assert.match(r.stdout, /skipped: 1 bad @timestamp; 1 invalid JSON; 1 missing @timestamp/);
    assert.match(r.stdout, /time shift: none/);
    const problems = r.stderr.trimEnd().split('\n');
    assert.match(problems[0] ?? '', /^line 2: expected a JSON object, got invalid JSON/);
    assert.match(problems[1] ?? '', /^line 4: expected an @timestamp \(ISO-8601 or epoch ms\), got none$/);
    assert.match(problems[2] ?? '', /^line 6: expected @timestamp to be ISO-8601 .*, got .*last tuesday/);
    assert.match(problems[3] ?? '', /^line 5: rejected by Elasticsearch \(HTTP 400\) in .*: document_parsing_exception: .*process.pid/);
    assert.equal((await es.count({ index: plain })).count, 2);
  });

  it('leaves a target an index template matches to the template', async () => {
    const summary = replayJson(['--index', templated, file]);
    assert.deepEqual(summary.indices.map((i) => i.preparation), ['template']);
    assert.equal(summary.loaded, 2);
    assert.deepEqual(summary.rejectedLines.map((r) => [r.line, r.status]), [[5, 400]], 'dynamic mapping made process.pid a long from line 1');
    const settings = await es.indices.getSettings({ index: templated });
    assert.equal(settings[templated]?.settings?.index?.number_of_replicas, '0', 'created from the template');
  });
});
