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
 * `--next` segment (write-out is per segment), together with `-v`, `--no-progress-meter` and
 * `--connect-timeout`; `-q` goes first so no .curlrc is read, HOME is an empty temporary
 * directory and the environment holds only the case's variables (`env -i`). CurlRun.argv is
 * what curl ran for the invocation, so the rule can be given the same words.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch, spawnText, type BatchCommand } from './curl-oracle-spawn.js';
import { oracleArgv, parseOracleStderr, segmentCount, type CurlTransfer } from './curl-oracle-verbose.js';

export { PROXY_NET_V4, isProxyAddress, oracleArgv, sameHost, type CurlRoute, type CurlTransfer } from './curl-oracle-verbose.js';

/** One invocation: curl's arguments (without argv[0]) and its whole environment. */
export interface CurlInvocation {
  /**
   * A word equal to `--next` or `-:` separates transfer segments (the oracle adds its own
   * options to each), so do not use either as an option's value.
   */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}

/** Everything one invocation produced. */
export interface CurlRun {
  /** The argv curl ran for this invocation, argv[0] included: its arguments plus the oracle's options. */
  argv: string[];
  env: Record<string, string>;
  /** In the order curl ran them. */
  transfers: CurlTransfer[];
  /** The process's exit code; for an invocation merged with others, its last transfer's. */
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
  /** Batches run in parallel; default the CPUs + 1, at most 16. */
  concurrency?: number;
  /** Per curl process; default 10 s (every connect fails at once, so a run takes milliseconds). */
  timeoutMs?: number;
  /**
   * Run invocations with the same environment as `--next` segments of one curl process (at
   * most MERGE_MAX each): curl starts ~10x less often, and starting costs ~25 ms of CPU (33
   * shared libraries) against ~1 ms per transfer. curl reads each segment with fresh options,
   * so a transfer goes where it would go alone; an invocation that could change that (global
   * options -Z, --parallel, --fail-early, config files) is never merged, and one whose every
   * segment does not report a transfer is run again alone. Default false.
   */
  merge?: boolean;
}

/** Most invocations merged into one curl process. */
export const MERGE_MAX = 12;
/** Invocations per `sh` batch when not merged. */
const BATCH = 25;
/** Options that act on the whole command line rather than on one segment. */
const GLOBAL_OPTION = /^(?:-[A-Za-z]*[ZK]|--(?:parallel|fail-early|config|disable))/i;

/** A curl process to run: one invocation, or several merged as segments. */
interface Unit {
  members: number[];
  args: string[];
  env: Readonly<Record<string, string>>;
}

/** Runs every invocation and returns the runs in the same order. */
export async function runCurlOracle(invocations: readonly CurlInvocation[], options: CurlOracleOptions = {}): Promise<CurlRun[]> {
  const curl = options.curl ?? '/usr/bin/curl';
  const unshare = options.unshare ?? '/usr/bin/unshare';
  const concurrency = Math.max(1, options.concurrency ?? Math.min(16, availableParallelism() + 1));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const home = await mkdtemp(join(tmpdir(), 'cpd-curl-oracle-home-'));
  try {
    const execute = async (units: readonly Unit[]): Promise<{ stderr: string; exit: number | null }[]> => {
      const results = new Array<{ stderr: string; exit: number | null }>(units.length);
      // Small batches keep every worker busy until the end.
      const size = Math.max(1, Math.min(BATCH, Math.ceil(units.length / (concurrency * 4))));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < units.length) {
          const from = next;
          next = Math.min(units.length, next + size);
          const commands: BatchCommand[] = units.slice(from, next).map((u) => ({ env: { HOME: home, ...u.env }, argv: oracleArgv(u.args, curl) }));
          (await runBatch(unshare, commands, timeoutMs)).forEach((r, i) => (results[from + i] = r));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
      return results;
    };

    const runs = new Array<CurlRun | undefined>(invocations.length);
    const units = options.merge === true ? mergedUnits(invocations) : invocations.map((inv, i) => ({ members: [i], args: [...inv.args], env: inv.env }));
    const results = await execute(units);
    const again: number[] = [];
    units.forEach((unit, u) => {
      const split = splitUnit(unit, results[u] as { stderr: string; exit: number | null }, invocations);
      if (split === null) again.push(...unit.members);
      else unit.members.forEach((m, k) => (runs[m] = split[k]));
    });
    if (again.length > 0) {
      const alone = again.map((m) => ({ members: [m], args: [...(invocations[m] as CurlInvocation).args], env: (invocations[m] as CurlInvocation).env }));
      const aloneResults = await execute(alone);
      alone.forEach((unit, u) => (runs[unit.members[0] as number] = (splitUnit(unit, aloneResults[u] as { stderr: string; exit: number | null }, invocations) as CurlRun[])[0]));
    }
    return runs as CurlRun[];
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Groups invocations by environment into units of at most MERGE_MAX. */
function mergedUnits(invocations: readonly CurlInvocation[]): Unit[] {
  const units: Unit[] = [];
  const open = new Map<string, Unit>();
  invocations.forEach((inv, i) => {
    if (inv.args.length === 0 || inv.args.some((w) => GLOBAL_OPTION.test(w))) {
      units.push({ members: [i], args: [...inv.args], env: inv.env });
      return;
    }
    const key = JSON.stringify(Object.entries(inv.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let unit = open.get(key);
    if (unit === undefined || unit.members.length >= MERGE_MAX) {
      unit = { members: [], args: [], env: inv.env };
      open.set(key, unit);
      units.push(unit);
    }
    if (unit.members.length > 0) unit.args.push('--next');
    unit.members.push(i);
    unit.args.push(...inv.args);
  });
  return units;
}

/**
 * Cuts a unit's output back into one run per member, segments renumbered from 1; null when a
 * merged unit cannot be trusted (a member's segment reported no transfer).
 */
function splitUnit(unit: Unit, result: { stderr: string; exit: number | null }, invocations: readonly CurlInvocation[]): CurlRun[] | null {
  const { transfers, rest } = parseOracleStderr(result.stderr);
  if (unit.members.length === 1) {
    const inv = invocations[unit.members[0] as number] as CurlInvocation;
    const failure = transfers.length === 0 ? rest.split('\n').filter((l) => l.startsWith('curl:')).join('\n') || rest || `exit ${result.exit}` : null;
    return [{ argv: oracleArgv(inv.args), env: { ...inv.env }, transfers, exitCode: result.exit, failure, stderr: result.stderr }];
  }
  const runs: CurlRun[] = [];
  let offset = 0;
  for (const m of unit.members) {
    const inv = invocations[m] as CurlInvocation;
    const count = segmentCount(inv.args);
    const own = transfers.filter((t) => t.segment > offset && t.segment <= offset + count).map((t) => ({ ...t, segment: t.segment - offset }));
    for (let s = 1; s <= count; s++) if (!own.some((t) => t.segment === s)) return null;
    const last = own[own.length - 1] as CurlTransfer;
    runs.push({ argv: oracleArgv(inv.args), env: { ...inv.env }, transfers: own, exitCode: last.exitCode, failure: null, stderr: own.map((t) => t.verbose).join('\n') });
    offset += count;
  }
  return runs;
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
