/**
 * What `curl -v` says, read for the curl oracle (test/support/curl-oracle.ts): the options the
 * oracle adds to every segment, and each transfer's first hop read back from stderr.
 */

import { isIP } from 'node:net';

/** What curl did with one transfer (one URL of one `--next` segment), first hop only. */
export type CurlRoute =
  | { kind: 'proxy'; host: string }
  | { kind: 'direct'; host: string }
  | { kind: 'refused'; message: string }
  | { kind: 'error'; message: string };

/** One transfer as curl reported it. */
export interface CurlTransfer {
  /** 1-based `--next` segment. */
  segment: number;
  /** The URL as curl was given it (`%{url}`). */
  url: string;
  route: CurlRoute;
  exitCode: number;
  /** curl's -v lines for this transfer. */
  verbose: string;
}

/** Literal proxy addresses live here; URLs never use this block. */
export const PROXY_NET_V4 = '127.1.0.0/16';
const MARK = '@@cpd-curl-oracle@@';

/** Added at the start of every segment (`-q` once, as the very first word); the marker names the segment. */
function segmentOptions(segment: number): string[] {
  return ['-v', '--no-progress-meter', '--connect-timeout', '2', '--max-time', '5', '-w', `%{stderr}\\n${MARK}${segment}\\t%{exitcode}\\t%{url_effective}\\t%{url}\\t%{errormsg}\\n`];
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
    const info = parseWriteOut(line.slice(at + MARK.length));
    transfers.push({ segment: info.segment, url: info.url, exitCode: info.exitcode, route: routeOf(chunk, info), verbose: chunk.join('\n').trim() });
    chunk = [];
  }
  return { transfers, rest: chunk.join('\n').trim() };
}

interface WriteOut {
  segment: number;
  exitcode: number;
  urlEffective: string;
  url: string;
  errormsg: string;
}

/** The marker's fields: segment, exit code, effective URL, URL as given, error message (tab-separated, in that order). */
function parseWriteOut(text: string): WriteOut {
  const [segment, exitcode, urlEffective, url, ...errormsg] = text.split('\t');
  if (url === undefined || !/^\d+$/.test(segment ?? '') || !/^\d+$/.test(exitcode ?? '')) {
    throw new Error(`curl oracle: expected "<segment>\\t<exit>\\t<url_effective>\\t<url>\\t<errormsg>" after the marker, got ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { segment: Number(segment), exitcode: Number(exitcode), urlEffective: urlEffective ?? '', url, errormsg: errormsg.join('\t') };
}

const RESOLVE_PROXY = /^\* Could not resolve proxy: (.+)$/;
const RESOLVE_HOST = /^\* Could not resolve host: (.+)$/;
const TRYING = /^\*\s+Trying (?:\[([^\]]+)\]|([^:\s]+)):(\d+)\.\.\.$/;
/** Names the host curl meant to reach, where "Trying" shows the address it used. */
const FAILED_CONNECT = /^\* Failed to connect to (\S+) port \d+ /;
/** curl's complaints about a proxy value it will not use ("Unsupported proxy scheme for", "... syntax in"). */
const REFUSED = /^Unsupported proxy /;

function routeOf(lines: readonly string[], info: WriteOut): CurlRoute {
  const urlHost = hostOf(info.urlEffective);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
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
      // "Failed to connect to H" names the host curl meant. curl 7.88 sometimes tries another
      // host's cached address for it (a resolver race: a pre-proxy named p1.invalid tried at the
      // proxy's 127.1.255.7), so H, not the address, is the first hop.
      const meant = lines.slice(i + 1).map((l) => FAILED_CONNECT.exec(l)?.[1]).find((h) => h !== undefined) ?? address;
      if (isProxyAddress(meant)) return { kind: 'proxy', host: meant };
      if (urlHost !== null && sameHost(meant, urlHost)) return { kind: 'direct', host: meant };
      if (isIP(meant) === 0) return { kind: 'proxy', host: meant };
      return { kind: 'error', message: `oracle cannot tell "${line.trim()}": ${meant} is neither the URL's host nor a proxy address in ${PROXY_NET_V4}` };
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
