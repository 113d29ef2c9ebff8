import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { formatDelta } from '../../../src/cli/commands/replay.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the real CLI entry (main, from src/) in a child process, so its output and exit code are its own. */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);";
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.CPD_CONFIG;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', '--es-url', 'http://127.0.0.1:1', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('replay refuses bad usage with exit code 2, before touching Elasticsearch', () => {
  it('exits 2 for a missing file and says so', async () => {
    const r = cli(['replay', '/nonexistent/events.ndjson']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /replay: cannot read \/nonexistent\/events.ndjson: no such file/);
  });

  it('exits 2 for a directory', async () => {
    const r = cli(['replay', tmpdir()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expected a file, got a directory/);
  });

  it('exits 2 for an unknown format', async () => {
    const r = cli(['replay', '--format', 'csv', 'x.csv']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are ecs-ndjson, sysmon-linux/);
  });

  it('exits 2 when the format cannot be guessed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cpd-replay-')), 'data.txt');
    writeFileSync(file, '\n\ntime,host,command\n');
    const r = cli(['replay', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot tell the format of .* expected --format ecs-ndjson or --format sysmon-linux/);
  });

  it('exits 2 for an invalid --index', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cpd-replay-')), 'data.ndjson');
    writeFileSync(file, '{"@timestamp":"2026-11-01T00:00:00Z"}\n');
    const r = cli(['replay', '--index', 'Bad Name', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--index: expected a lower-case index name, got "Bad Name"/);
  });

  it('exits 1 when Elasticsearch cannot be reached', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cpd-replay-')), 'data.ndjson');
    writeFileSync(file, '{"@timestamp":"2026-11-01T00:00:00Z"}\n');
    const r = cli(['--set', 'elasticsearch.maxRetries=0', '--set', 'elasticsearch.requestTimeoutMs=2000', 'replay', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /elasticsearch: .*checking the replay target logs-endpoint.events.process-replay/);
  });
});

describe('formatDelta', () => {
  const cases: [ms: number, text: string][] = [
    [0, '+0s'],
    [1_500, '+1.5s'],
    [-60_000, '-1m 0s'],
    [3_600_000 + 5_000, '+1h 0m 5s'],
    [27 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_250, '+27d 3h 4m 5.25s'],
  ];
  for (const [ms, text] of cases) it(`writes ${ms} ms as ${text}`, () => assert.equal(formatDelta(ms), text));
});
