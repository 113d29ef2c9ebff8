/**
 * Process plumbing for the curl oracle (test/support/curl-oracle.ts): one `sh` inside one
 * `unshare -rn` runs a batch of curl commands, each under `env -i`, and the batch's stderr is
 * cut back into one piece per command. curl bounds its own time (the oracle's --max-time); the
 * batch as a whole is killed if it overruns.
 */

import { spawn } from 'node:child_process';

/** One command of a batch: its whole environment and its argv (absolute program path first). */
export interface BatchCommand {
  env: Readonly<Record<string, string>>;
  argv: readonly string[];
}

/** What one command of a batch wrote to stderr, and its exit status. */
export interface BatchResult {
  stderr: string;
  exit: number | null;
}

const CASE_MARK = '@@cpd-curl-oracle-command@@';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Runs the commands one after the other in one fresh network namespace; throws when the batch itself cannot run. */
export async function runBatch(unshare: string, commands: readonly BatchCommand[], timeoutMs: number): Promise<BatchResult[]> {
  const script = commands
    .map((command, i) => {
      for (const name of Object.keys(command.env)) {
        if (!ENV_NAME.test(name)) throw new Error(`curl oracle: expected environment variable names like NAME_1, got ${JSON.stringify(name)}`);
      }
      const env = Object.entries(command.env).map(([n, v]) => `${n}=${v}`);
      const words = ['/usr/bin/env', '-i', ...env, ...command.argv];
      return `printf '\\n${CASE_MARK} ${i}\\n' >&2; ${words.map(shQuote).join(' ')} </dev/null >/dev/null; printf '\\n${CASE_MARK} ${i} exit %d\\n' $? >&2`;
    })
    .join('\n');
  const result = await spawnText(unshare, ['-rn', '/bin/sh', '-c', script], {}, timeoutMs * commands.length + 10_000);
  if (result.error !== null || result.code !== 0) {
    throw new Error(`curl oracle: expected ${unshare} -rn /bin/sh to run a batch, got ${result.error ?? `exit ${result.code}`}: ${result.stderr.slice(0, 500)}`);
  }
  const pieces: { lines: string[]; exit: number | null }[] = [];
  let current: { lines: string[]; exit: number | null } | null = null;
  for (const line of result.stderr.split('\n')) {
    const mark = line.startsWith(CASE_MARK) ? /^\S+ (\d+)(?: exit (\d+))?$/.exec(line) : null;
    if (mark === null) current?.lines.push(line);
    else if (mark[2] === undefined) pieces[Number(mark[1])] = current = { lines: [], exit: null };
    else if (current !== null) current.exit = Number(mark[2]);
  }
  return commands.map((_, i) => {
    const piece = pieces[i];
    if (piece === undefined) throw new Error(`curl oracle: command ${i} of a batch left no output: ${result.stderr.slice(-500)}`);
    return { stderr: piece.lines.join('\n'), exit: piece.exit };
  });
}

/** A word for POSIX sh: single-quoted, which keeps tabs and newlines as they are. */
function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a spawned process wrote, how it ended, or why it could not run. */
export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** Spawns with exactly `env` (nothing inherited) and collects its output; a timeout kills it. */
export function spawnText(command: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: string | null = null;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (code, signal) => {
      if (signal !== null && error === null) error = `killed by ${signal} (timeout ${timeoutMs} ms?)`;
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error });
    });
  });
}
