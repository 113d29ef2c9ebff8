import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { explainJsonl } from '../../../src/cli/commands/explain.js';
import type { RuleOptions } from '../../../src/rule/types.js';

const ARGV: RuleOptions = { mode: 'argv', noproxyStarDisables: true, fastPath: false };

async function run(lines: string, options: RuleOptions = ARGV): Promise<{ out: unknown[]; summary: { lines: number; errors: number } }> {
  const input = new PassThrough();
  const chunks: string[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  input.end(lines);
  const summary = await explainJsonl(input, output, options);
  const out = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
  return { out, summary };
}

/** Runs the real CLI entry (main) in a child process with the given stdin. */
function cli(args: string[], stdin = ''): { status: number | null; stdout: string; stderr: string } {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);";
  const env = { ...process.env };
  delete env.CPD_CONFIG;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args], {
    input: stdin,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('explain --jsonl', () => {
  it('answers every input line on the same output line, in order, errors included', async () => {
    const { out, summary } = await run(
      [
        '{"process_name":"curl","command_line":"curl -x socks5h://u:p@h:1080 https://a"}',
        'not json',
        '',
        '{"args":["/usr/bin/curl","--socks5-hostname","proxy.example:7000","https://example.com"]}',
        '{"command_line":5}',
        '[]',
        '{"process_name":"bash","command_line":"bash -c \\"curl -x p\\""}',
        '{"command_line":"curl -X POST https://a"}',
        '{}',
      ].join('\n'),
    );
    assert.deepEqual(summary, { lines: 9, errors: 5 });
    assert.equal(out.length, 9);
    const rows = out as Record<string, unknown>[];
    assert.equal(rows[0]?.match, true);
    assert.deepEqual((rows[0]?.proxies as Record<string, unknown>[])[0], {
      option: '-x', canonical: '--proxy', url: 'socks5h://***@h:1080', scheme: 'socks5h', host: 'h', port: 1080, source: 'command_line', evasion: null, segment: 1, refused: null,
    });
    assert.match(String(rows[1]?.error), /^line 2: expected a JSON object, got invalid JSON/);
    assert.equal(rows[2]?.error, 'line 3: empty line, expected a JSON object');
    assert.equal(rows[3]?.match, true);
    assert.equal((rows[3]?.proxies as Record<string, unknown>[])[0]?.scheme, 'socks5h');
    assert.equal(rows[4]?.error, 'line 5: expected "command_line" to be a string, got number');
    assert.equal(rows[5]?.error, 'line 6: expected a JSON object, got an array');
    assert.deepEqual([rows[6]?.match, rows[6]?.isCurl], [false, false]);
    assert.deepEqual([rows[7]?.match, rows[7]?.mode], [false, 'argv']);
    assert.equal(rows[8]?.error, 'line 9: expected "command_line" or a non-empty "args"');
  });

  it('uses the mode it is given', async () => {
    const { out } = await run('{"command_line":"curl -X POST https://a"}\n', { mode: 'splunk', noproxyStarDisables: true });
    assert.deepEqual(out, [
      {
        match: true,
        mode: 'splunk',
        isCurl: true,
        proxies: [{ option: '*-x *', canonical: '*-x *', url: 'POST', scheme: null, host: null, port: null, source: 'command_line', evasion: null, segment: 1, refused: null }],
        routes: [],
        nearMisses: [],
        reason: 'process_name is curl and the command line matches the analytic\'s pattern "*-x *".',
        notes: [],
      },
    ]);
  });

  it('takes env_vars into account and rejects a non-string entry', async () => {
    const { out } = await run(
      ['{"args":["curl","https://a"],"env_vars":["ALL_PROXY=socks5h://p:1"]}', '{"args":["curl"],"env_vars":[1]}'].join('\n'),
    );
    const rows = out as Record<string, unknown>[];
    assert.equal(rows[0]?.match, true);
    assert.equal(rows[1]?.error, 'line 2: expected "env_vars" to be an array of strings, got an array');
  });

  it('reads a 2 MB line and Windows line endings', async () => {
    const big = JSON.stringify({ command_line: `curl -x p:1 ${'a'.repeat(2 * 1024 * 1024)}` });
    const { out } = await run(`${big}\r\n{"command_line":"curl https://a"}\r\n`);
    assert.deepEqual((out as Record<string, unknown>[]).map((r) => r.match), [true, false]);
  });

  it('waits for a slow output instead of buffering without bound', async () => {
    const input = new PassThrough();
    let written = 0;
    const output = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        written += chunk.length;
        setImmediate(done);
      },
    });
    input.end(Array.from({ length: 200 }, (_, i) => `{"command_line":"curl -x p${i}:1 https://a"}`).join('\n'));
    const summary = await explainJsonl(input, output, ARGV);
    assert.equal(summary.lines, 200);
    assert.ok(written > 0);
  });
});

describe('the explain command', () => {
  it('streams JSON lines through the real CLI and exits 0 whatever the verdicts', () => {
    const result = cli(['explain', '--jsonl'], '{"command_line":"curl -x socks5://p:1 https://a"}\nbroken\n{"command_line":"curl https://a"}\n');
    assert.equal(result.status, 0, result.stderr);
    const rows = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((r) => r.match ?? 'error'), [true, 'error', false]);
  });

  it('takes --mode splunk over the configured default', () => {
    const result = cli(['explain', '--jsonl', '--mode', 'splunk'], '{"command_line":"curl -X POST https://a"}\n');
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Record<string, unknown>).mode, 'splunk');
  });

  it('prints one command line\'s verdict in plain words', () => {
    const result = cli(['explain', 'curl -sSx socks5h://u:pw@proxy.example:1080 -X POST https://example.com']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^verdict: MATCH \(argv mode\)\n/);
    assert.match(result.stdout, /reason: {2}curl uses a proxy: -x socks5h:\/\/\*\*\*@proxy\.example:1080\.\n/);
    assert.match(result.stdout, /scheme: socks5h\n {2}host: {3}proxy\.example\n {2}port: {3}1080\n/);
    assert.ok(!result.stdout.includes('pw@'));
  });

  it('shows an --option=value proxy glued as it was typed, credentials still hidden, and a separate one as two words', () => {
    const glued = cli(['explain', 'curl --proxy=http://user:s3cret@proxy.example:3128 https://example.com']);
    assert.equal(glued.status, 0, glued.stderr);
    assert.match(glued.stdout, /^reason: {2}curl uses a proxy: --proxy=http:\/\/\*\*\*@proxy\.example:3128\.$/m);
    assert.match(glued.stdout, /^url 1: https:\/\/example\.com -> proxy via --proxy=proxy\.example:3128$/m);
    // The option itself may be named with its = (`proxy 1: --proxy= (--proxy)`); a value never follows a space.
    assert.doesNotMatch(glued.stdout, /--proxy= (?!\(--proxy\))/, 'no space between the = and the value');
    assert.ok(!glued.stdout.includes('s3cret'));
    const separate = cli(['explain', 'curl --proxy http://proxy.example:3128 https://example.com']);
    assert.match(separate.stdout, /^reason: {2}curl uses a proxy: --proxy http:\/\/proxy\.example:3128\.$/m);
    const empty = cli(['explain', 'curl --socks5= https://example.com']);
    assert.match(empty.stdout, /^near-miss: --socks5="": /m);
  });

  it('takes the words after -- as the exact argv', () => {
    const result = cli(['explain', '--json', '--', 'curl', '-H', 'X: -x y', 'https://a']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Record<string, unknown>).match, false);
  });

  it('exits 2 with a message for a bad mode or a missing command line', () => {
    const bad = cli(['explain', '--mode', 'regex', 'curl -x p https://a']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /rule\.mode: expected one of "argv", "splunk"/);
    const missing = cli(['explain']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /expected a command line argument/);
  });
});
