import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/** Runs the real CLI entry (main) in a child process with exactly this environment (plus PATH). */
function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);";
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('config commands and hostile names', () => {
  it('runs with environment variables named constructor, toString and __proto__', () => {
    // A computed key defines an own property; a literal `__proto__:` would set the prototype instead.
    const { status, stdout, stderr } = cli(['config', 'show'], { constructor: '1', toString: 'x', ['__proto__']: 'y', hasOwnProperty: 'z' });
    assert.equal(status, 0, stderr);
    assert.equal((JSON.parse(stdout) as { elasticsearch: { url: string } }).elasticsearch.url, 'http://127.0.0.1:9200');
  });

  it('refuses --set __proto__=... with exit code 2 and one line naming the key', () => {
    const { status, stderr } = cli(['--set', '__proto__={"polluted":1}', 'config', 'show'], {});
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^curl-proxy-detector: config error: __proto__: expected a known configuration key, got an unknown one \(from flag for __proto__\)/);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
  });

  it('hides a password holding @ in elasticsearch.url from config show', () => {
    const { status, stdout, stderr } = cli(['config', 'show'], { ELASTICSEARCH_URL: 'https://elastic:p@ss@w0rd@es.example:9200' });
    assert.equal(status, 0, stderr);
    assert.match(stdout, /"url": "https:\/\/\*\*\*@es\.example:9200"/);
    assert.doesNotMatch(stdout, /w0rd|p@ss/);
  });
});
