import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/** Runs the real CLI entry (main) in a child process; nothing here reaches a service. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const script = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);";
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('usage errors', () => {
  const cases: [string, string[], RegExp, string][] = [
    ['an unknown global option', ['--bogus'], /^error: unknown option '--bogus'$/, "(run 'curl-proxy-detector --help' for usage)"],
    ['an unknown option of a command', ['backfill', '--form', '2026-11-01'], /^error: unknown option '--form'\n?\(Did you mean --from\?\)$/, "(run 'curl-proxy-detector backfill --help' for usage)"],
    ['an unknown option of a subcommand', ['backfill', 'list', '--jsn'], /^error: unknown option '--jsn'\n?\(Did you mean --json\?\)$/, "(run 'curl-proxy-detector backfill list --help' for usage)"],
    ['an unknown command', ['stauts'], /^error: unknown command 'stauts'\n?\(Did you mean status\?\)$/, "(run 'curl-proxy-detector --help' for usage)"],
    ['a missing argument', ['backfill', 'cancel'], /^error: missing required argument 'id'$/, "(run 'curl-proxy-detector backfill cancel --help' for usage)"],
  ];
  for (const [name, args, message, hint] of cases) {
    it(`answers ${name} with its one line and a hint to the command's help, exit code 2`, () => {
      const { status, stdout, stderr } = cli(args);
      assert.equal(status, 2, stderr);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.at(-1), hint, stderr);
      assert.match(lines.slice(0, -1).join('\n'), message);
      assert.doesNotMatch(stderr, /Usage:|Options:/, 'not the whole help');
    });
  }

  it('still prints the whole help when asked for it', () => {
    const { status, stdout } = cli(['backfill', '--help']);
    assert.equal(status, 0);
    assert.match(stdout, /^Usage: curl-proxy-detector backfill \[options\] \[command\]/);
  });
});
