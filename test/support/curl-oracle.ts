/**
 * The real curl as an oracle for the rule: runs one invocation inside `unshare -rn` (a new
 * network namespace where no interface is up, not even loopback, so nothing can leave the
 * machine) and reads from `curl -v` where each transfer went first.
 *
 * How a transfer's first hop is read (the first of these lines in that transfer's output):
 *   "* Could not resolve proxy: X"    -> { kind: 'proxy', host: X }
 *   "* Could not resolve host: Y"     -> { kind: 'direct', host: Y }
 *   "*   Trying A:P..."               -> a connect attempt to a literal address, which fails at
 *                                        once ("Network is unreachable"): a proxy when A is a
 *                                        proxy address (see isProxyAddress), else direct
 *   none of them, and curl's error is about the proxy ("Unsupported proxy scheme for 'ftp://p'",
 *   "Unsupported proxy syntax in ':8080'")   -> { kind: 'refused', message }
 *   anything else                     -> { kind: 'error', message }
 * So invocations must name only hosts that cannot resolve (`*.invalid`) and loopback literals,
 * and proxies given as literals must live in PROXY_NET_V4 (127.1.0.0/16) or its IPv4-mapped
 * IPv6 form (::ffff:127.1.x.y), which URLs never use: that is how a connect to a loopback proxy
 * is told apart from a direct connect to a loopback URL.
 *
 * Transfers are delimited by a `-w '%{stderr}...%{json}'` marker the oracle adds to every
 * `--next` segment (write-out is per segment), together with `-v`, `--no-progress-meter` and
 * `--connect-timeout`; `-q` goes first so no .curlrc is read, HOME is an empty temporary
 * directory and the environment holds only the case's variables (as `env -i` would).
 * The argv returned is exactly what curl ran, so the rule can be given the same words.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** What curl did with one transfer (one URL of one `--next` segment), first hop only. */
export type CurlRoute =
  | { kind: 'proxy'; host: string }
  | { kind: 'direct'; host: string }
  | { kind: 'refused'; message: string }
  | { kind: 'error'; message: string };

/** One invocation: curl's arguments (without argv[0]) and its whole environment. */
export interface CurlInvocation {
  /**
   * A word equal to `--next` or `-:` separates transfer segments (the oracle adds its own
   * options to each), so do not use either as an option's value.
   */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}

/** One transfer as curl reported it. */
export interface CurlTransfer {
  /** 1-based `--next` segment. */
  segment: number;
  /** The URL as curl was given it (`%{url}`). */
  url: string;
  route: CurlRoute;
  exitCode: number;
}

/** Everything one run produced. */
export interface CurlRun {
  /** The argv curl ran, argv[0] included: the case's arguments plus the oracle's own options. */
  argv: string[];
  env: Record<string, string>;
  /** In the order curl ran them. */
  transfers: CurlTransfer[];
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
  /** Runs in parallel; default twice the CPUs, at most 16. */
  concurrency?: number;
  /** Whole-process limit; default 10 s (every connect fails at once, so runs take milliseconds). */
  timeoutMs?: number;
}

/** Literal proxy addresses live here; URLs never use this block. */
export const PROXY_NET_V4 = '127.1.0.0/16';
const MARK = '@@cpd-curl-oracle@@';

/** Added at the start of every segment (`-q` once, as the very first word); the marker names the segment. */
function segmentOptions(segment: number): string[] {
  return ['-v', '--no-progress-meter', '--connect-timeout', '2', '-w', `%{stderr}\n${MARK}${segment} %{json}\n`];
}

/** True for a loopback literal reserved for proxies: 127.1.x.y, or ::ffff:127.1.x.y. */
export function isProxyAddress(address: string): boolean {
  const v4 = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
  return /^127\.1\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The argv curl runs for an invocation: `-q` first, then the oracle's options in every segment. */
export function oracleArgv(args: readonly string[], curl = 'curl'): string[] {
  const argv = [curl, '-q', ...segmentOptions(1)];
  let segment = 1;
  for (const word of args) {
    argv.push(word);
    if (word === '--next' || word === '-:') argv.push(...segmentOptions(++segment));
  }
  return argv;
}

/** Reads the transfers out of `curl -v` stderr produced with the oracle's write-out marker. */
export function parseOracleStderr(stderr: string): { transfers: CurlTransfer[]; rest: string } {
  const transfers: CurlTransfer[] = [];
  let chunk: string[] = [];
  for (const line of stderr.split('\n')) {
    const at = line.indexOf(MARK);
    if (at < 0) {
      chunk.push(line);
      continue;
    }
    if (at > 0) chunk.push(line.slice(0, at));
    const marker = /^(\d+) (.*)$/.exec(line.slice(at + MARK.length));
    if (!marker) throw new Error(`curl oracle: expected "<segment> <json>" after the marker, got ${line.slice(0, 200)}`);
    const segment = Number(marker[1]);
    const info = parseWriteOut(marker[2] as string);
    transfers.push({ segment, url: info.url, exitCode: info.exitcode, route: routeOf(chunk, info) });
    chunk = [];
  }
  return { transfers, rest: chunk.join('\n').trim() };
}

interface WriteOut {
  url: string;
  urlEffective: string;
  exitcode: number;
  errormsg: string;
}

function parseWriteOut(json: string): WriteOut {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null) throw new Error(`curl oracle: expected a write-out JSON object, got ${json.slice(0, 200)}`);
  const o = value as Record<string, unknown>;
  return {
    url: typeof o['url'] === 'string' ? o['url'] : '',
    urlEffective: typeof o['url_effective'] === 'string' ? o['url_effective'] : '',
    exitcode: typeof o['exitcode'] === 'number' ? o['exitcode'] : -1,
    errormsg: typeof o['errormsg'] === 'string' ? o['errormsg'] : '',
  };
}

const RESOLVE_PROXY = /^\* Could not resolve proxy: (.+)$/;
const RESOLVE_HOST = /^\* Could not resolve host: (.+)$/;
const TRYING = /^\*\s+Trying (?:\[([^\]]+)\]|([^:\s]+)):(\d+)\.\.\.$/;
/** curl's complaints about a proxy value it will not use ("Unsupported proxy scheme for", "... syntax in"). */
const REFUSED = /^Unsupported proxy /;

function routeOf(lines: readonly string[], info: WriteOut): CurlRoute {
  const urlHost = hostOf(info.urlEffective);
  for (const line of lines) {
    const proxy = RESOLVE_PROXY.exec(line);
    if (proxy) return { kind: 'proxy', host: proxy[1] as string };
    const resolve = RESOLVE_HOST.exec(line);
    if (resolve) {
      // curl 7.88 words a SOCKS proxy's failed lookup as "host", so the URL's own host tells them apart.
      const host = resolve[1] as string;
      if (urlHost === null) return { kind: 'error', message: `oracle cannot read the host of ${info.urlEffective} to judge "${line}"` };
      return { kind: sameHost(host, urlHost) ? 'direct' : 'proxy', host };
    }
    const trying = TRYING.exec(line);
    if (trying) {
      const address = (trying[1] ?? trying[2]) as string;
      if (isProxyAddress(address)) return { kind: 'proxy', host: address };
      if (urlHost !== null && sameHost(address, urlHost)) return { kind: 'direct', host: address };
      return { kind: 'error', message: `oracle cannot tell "${line}": neither the URL's host nor a proxy address in ${PROXY_NET_V4}` };
    }
  }
  const message = info.errormsg !== '' ? info.errormsg : `exit ${info.exitcode} without a connect attempt`;
  return REFUSED.test(message) ? { kind: 'refused', message } : { kind: 'error', message };
}

/** The host of curl's effective URL (scheme always present), as the WHATWG parser reads it; null if unreadable. */
function hostOf(urlEffective: string): string | null {
  try {
    return new URL(urlEffective).hostname;
  } catch {
    return null;
  }
}

/** Host names compare without case, brackets or a trailing dot; IP literals in canonical form. */
export function sameHost(a: string, b: string): boolean {
  return canonicalHost(a) === canonicalHost(b);
}

function canonicalHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  try {
    return new URL(`http://${h.includes(':') ? `[${h}]` : h}/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return h;
  }
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

/** Runs every invocation (a small pool of parallel processes) and returns the runs in the same order. */
export async function runCurlOracle(invocations: readonly CurlInvocation[], options: CurlOracleOptions = {}): Promise<CurlRun[]> {
  const curl = options.curl ?? '/usr/bin/curl';
  const unshare = options.unshare ?? '/usr/bin/unshare';
  const concurrency = Math.max(1, options.concurrency ?? Math.min(16, availableParallelism() * 2));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const home = await mkdtemp(join(tmpdir(), 'cpd-curl-oracle-home-'));
  try {
    const runs = new Array<CurlRun>(invocations.length);
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < invocations.length) {
        const index = nextIndex++;
        runs[index] = await runOne(invocations[index] as CurlInvocation, curl, unshare, home, timeoutMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, invocations.length) }, worker));
    return runs;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function runOne(invocation: CurlInvocation, curl: string, unshare: string, home: string, timeoutMs: number): Promise<CurlRun> {
  const argv = oracleArgv(invocation.args);
  const env = { ...invocation.env, HOME: home };
  const result = await spawnText(unshare, ['-rn', curl, ...argv.slice(1)], env, timeoutMs);
  if (result.error !== null) throw new Error(`curl oracle: could not run ${unshare} -rn ${curl}: ${result.error}`);
  const { transfers, rest } = parseOracleStderr(result.stderr);
  const failure = transfers.length === 0 ? rest.split('\n').filter((l) => l.startsWith('curl:')).join('\n') || rest || `exit ${result.code}` : null;
  return { argv, env: { ...invocation.env }, transfers, exitCode: result.code, failure, stderr: result.stderr };
}

interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** Spawns with exactly `env` (nothing inherited) and collects its output; a timeout kills it. */
function spawnText(command: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<SpawnResult> {
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
