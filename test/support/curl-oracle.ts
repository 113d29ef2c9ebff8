/**
 * The real curl as an oracle for the rule: runs invocations inside `unshare -rn` (a new
 * network namespace where no interface is up, not even loopback, so nothing can leave the
 * machine) and reads from `curl -v` where each transfer went first.
 *
 * How a transfer's first hop is read (the first of these lines in that transfer's output):
 *   "* Could not resolve proxy: X"    -> { kind: 'proxy', host: X }
 *   "* Could not resolve host: Y"     -> { kind: 'direct', host: Y } when Y is the URL's host,
 *                                        else { kind: 'proxy', host: Y } (curl 7.88 words a
 *                                        SOCKS proxy's failed lookup this way)
 *   "*   Trying A:P..."               -> a connect attempt to a literal address, which fails at
 *                                        once ("Network is unreachable"): a proxy when A is in
 *                                        PROXY_NET_V4, direct when A is the URL's host
 *   none of them, and curl's error is about the proxy ("Unsupported proxy scheme for 'ftp://p'",
 *   "Unsupported proxy syntax in ':8080'")   -> { kind: 'refused', message }
 *   anything else                     -> { kind: 'error', message }
 * So invocations name only hosts that cannot resolve (`*.invalid`) and loopback literals; a
 * proxy never has a URL's name, and proxies given as literals live in 127.1.0.0/16 (or
 * ::ffff:127.1.x.y), which URLs never use: that tells a connect to a loopback proxy from a
 * direct connect to a loopback URL.
 *
 * Transfers are delimited by a `-w '%{stderr}...'` marker line the oracle adds to every
 * `--next` segment (write-out is per segment), together with `-v`, `--no-progress-meter`,
 * `--connect-timeout` and `--max-time`; `-q` goes first so no .curlrc is read, HOME is an
 * empty temporary directory and the environment holds only the case's variables (`env -i`).
 * CurlRun.argv is what curl ran for the invocation, so the rule can be given the same words.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch, spawnText, type BatchCommand, type BatchResult } from './curl-oracle-spawn.js';
import { oracleArgv, parseOracleStderr, type CurlTransfer } from './curl-oracle-verbose.js';

export { PROXY_NET_V4, isProxyAddress, oracleArgv, sameHost, type CurlRoute, type CurlTransfer } from './curl-oracle-verbose.js';

/** One invocation: curl's arguments (without argv[0]) and its whole environment. */
export interface CurlInvocation {
  /**
   * A word equal to `--next` or `-:` separates transfer segments (the oracle adds its own
   * options to each), so do not use either as an option's value.
   */
  args: readonly string[];
  /** The whole environment (HOME is the oracle's empty directory unless set here). */
  env: Readonly<Record<string, string>>;
}

/** Everything one invocation produced. */
export interface CurlRun {
  /** The argv curl ran for this invocation, argv[0] included: its arguments plus the oracle's options. */
  argv: string[];
  env: Record<string, string>;
  /** In the order curl ran them. */
  transfers: CurlTransfer[];
  /** The process's exit code. */
  exitCode: number | null;
  /** curl's own complaint when it ran no transfer (a bad option, no URL), else null. */
  failure: string | null;
  stderr: string;
}

/** Options shared by every run. */
export interface CurlOracleOptions {
  /** Default /usr/bin/curl. */
  curl?: string;
  /** Default /usr/bin/unshare. */
  unshare?: string;
  /** Batches run in parallel; default twice the CPUs (at least 4, at most 16): each mostly waits for curl to start. */
  concurrency?: number;
  /** Time allowed per invocation; a batch that overruns its total is killed. Default 10 s (every connect fails at once, so a run takes milliseconds). */
  timeoutMs?: number;
}

/** Invocations per `sh` batch. */
const BATCH = 25;

/**
 * Runs every invocation, each in a curl process of its own, and returns the runs in the same
 * order. A few workers each run batches of invocations from one `sh` in one `unshare -rn`.
 *
 * Invocations are never merged into one process as `--next` segments, although that would
 * start curl (~25 ms of CPU, 33 shared libraries) far less often: curl 7.88 keeps state across
 * transfers, and a transfer sometimes connects to an earlier one's cached address ("Hostname
 * '127.1.255.7' was found in DNS cache" for a pre-proxy named p1.invalid), the more often the
 * more transfers one process makes, so merged invocations stop being independent.
 */
export async function runCurlOracle(invocations: readonly CurlInvocation[], options: CurlOracleOptions = {}): Promise<CurlRun[]> {
  const curl = options.curl ?? '/usr/bin/curl';
  const unshare = options.unshare ?? '/usr/bin/unshare';
  const concurrency = Math.max(1, options.concurrency ?? Math.min(16, Math.max(4, availableParallelism() * 2)));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const home = await mkdtemp(join(tmpdir(), 'cpd-curl-oracle-home-'));
  try {
    const runs = new Array<CurlRun>(invocations.length);
    // Small batches keep every worker busy until the end.
    const size = Math.max(1, Math.min(BATCH, Math.ceil(invocations.length / (concurrency * 4))));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < invocations.length) {
        const from = next;
        next = Math.min(invocations.length, next + size);
        const batch = invocations.slice(from, next);
        const commands: BatchCommand[] = batch.map((inv) => ({ env: { HOME: home, ...inv.env }, argv: oracleArgv(inv.args, curl) }));
        const results = await runBatch(unshare, commands, timeoutMs);
        batch.forEach((inv, i) => (runs[from + i] = runOf(inv, results[i] as BatchResult)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, invocations.length) }, worker));
    return runs;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function runOf(invocation: CurlInvocation, result: BatchResult): CurlRun {
  const { transfers, rest } = parseOracleStderr(result.stderr);
  const failure = transfers.length === 0 ? rest.split('\n').filter((l) => l.startsWith('curl:')).join('\n') || rest || `exit ${result.exit}` : null;
  return { argv: oracleArgv(invocation.args), env: { ...invocation.env }, transfers, exitCode: result.exit, failure, stderr: result.stderr };
}

/**
 * Checks that the oracle can work here: unshare makes a network namespace, curl runs in it
 * and cannot connect anywhere. Throws an error that says what is missing.
 */
export async function checkCurlOracle(options: CurlOracleOptions = {}): Promise<{ version: string }> {
  const curl = options.curl ?? '/usr/bin/curl';
  const unshare = options.unshare ?? '/usr/bin/unshare';
  const version = await spawnText(curl, ['--version'], {}, 10_000);
  if (version.error !== null || version.code !== 0) {
    throw new Error(`curl oracle: expected a working curl at ${curl}, got ${version.error ?? `exit ${version.code}: ${version.stderr.trim()}`}`);
  }
  const probe = await spawnText(unshare, ['-rn', curl, '-q', '-v', '--no-progress-meter', '--connect-timeout', '2', 'http://127.0.0.1:9/'], {}, 10_000);
  if (probe.error !== null) {
    throw new Error(`curl oracle: expected ${unshare} (util-linux) to run, got ${probe.error}`);
  }
  if (!/Network is unreachable|Immediate connect fail/.test(probe.stderr)) {
    throw new Error(
      `curl oracle: \`unshare -rn\` does not give an isolated network namespace here (it needs root or unprivileged user namespaces, ` +
        `e.g. sysctl kernel.unprivileged_userns_clone=1 and no seccomp/AppArmor block); ` +
        `expected curl's connect to 127.0.0.1 to fail with "Network is unreachable", got exit ${probe.code}: ${probe.stderr.trim().slice(0, 500)}`,
    );
  }
  return { version: (version.stdout.split('\n')[0] ?? '').trim() };
}
