import type { ProxyScheme } from './types.js';

/**
 * Reads a proxy value the way libcurl does (`[scheme://][user[:password]@]host[:port][/...]`),
 * without ever throwing: scheme case-insensitive, `socks://` is SOCKS4, no scheme means the
 * option's default, no port means curl's default (443 for https://, 1080 otherwise).
 */

/** A proxy value, decoded and redacted. */
export interface ParsedProxy {
  /** The value with credentials replaced by *** and cut to a readable length. */
  url: string;
  /** Null when the written scheme is one curl rejects (see `problem`). */
  scheme: ProxyScheme | null;
  host: string | null;
  port: number | null;
  /** Why curl would refuse this proxy (unsupported scheme, no host), or null. */
  problem: string | null;
}

/** Longest proxy value shown in a verdict; longer ones are cut (after redaction). */
export const MAX_SHOWN_VALUE = 512;

const SCHEMES: ReadonlyMap<string, ProxyScheme> = new Map<string, ProxyScheme>([
  ['http', 'http'],
  ['https', 'https'],
  ['socks', 'socks4'],
  ['socks4', 'socks4'],
  ['socks4a', 'socks4a'],
  ['socks5', 'socks5'],
  ['socks5h', 'socks5h'],
]);

/** Parses a proxy value; `defaultScheme` applies when none is written. */
export function parseProxyValue(value: string, defaultScheme: ProxyScheme): ParsedProxy {
  const schemeEnd = schemeLength(value);
  const url = shorten(redact(value, schemeEnd));
  let scheme: ProxyScheme | null = defaultScheme;
  let problem: string | null = null;
  if (schemeEnd > 0) {
    const written = value.slice(0, schemeEnd).toLowerCase();
    scheme = SCHEMES.get(written) ?? null;
    if (scheme === null) problem = `curl rejects the unsupported proxy scheme ${shorten(written)}://`;
  }
  const { host, port } = hostAndPort(value, schemeEnd > 0 ? schemeEnd + 3 : 0);
  if (problem === null && (host === null || host === '')) problem = 'the proxy value names no host';
  const effectivePort = port === undefined ? (scheme === 'https' ? 443 : 1080) : port;
  // A host longer than DNS allows is cut, so a hostile value cannot make the verdict huge.
  const shownHost = host === null || host === '' ? null : shorten(host, 255);
  return { url, scheme, host: shownHost, port: effectivePort, problem };
}

/** Replaces `user[:password]@` in a URL-ish value with `***@`. */
export function redactCredentials(value: string): string {
  return redact(value, schemeLength(value));
}

function redact(value: string, schemeEnd: number): string {
  const start = schemeEnd > 0 ? schemeEnd + 3 : 0;
  const end = authorityEnd(value, start);
  const at = value.lastIndexOf('@', end - 1);
  if (at < start) return value;
  return `${value.slice(0, start)}***${value.slice(at)}`;
}

/** Cuts a long value for display. */
export function shorten(text: string, max = MAX_SHOWN_VALUE): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}

/** Length of a valid URL scheme followed by "://" at the start, else 0. */
function schemeLength(value: string): number {
  const sep = value.indexOf('://');
  if (sep <= 0 || sep > 40) return 0;
  for (let i = 0; i < sep; i++) {
    const c = value.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    const other = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!(alpha || (i > 0 && other))) return 0;
  }
  return sep;
}

function authorityEnd(value: string, start: number): number {
  for (let i = start; i < value.length; i++) {
    const c = value[i];
    if (c === '/' || c === '?' || c === '#') return i;
  }
  return value.length;
}

/** Host (IPv6 without brackets) and port; port undefined when none is written, null when unreadable. */
function hostAndPort(value: string, start: number): { host: string | null; port: number | null | undefined } {
  const end = authorityEnd(value, start);
  const at = value.lastIndexOf('@', end - 1);
  const hostStart = at >= start ? at + 1 : start;
  const hostport = value.slice(hostStart, end);
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return { host: hostport.slice(1), port: undefined };
    const rest = hostport.slice(close + 1);
    return { host: hostport.slice(1, close), port: rest.startsWith(':') ? readPort(rest.slice(1)) : undefined };
  }
  const colon = hostport.indexOf(':');
  if (colon < 0) return { host: hostport, port: undefined };
  // More than one colon without brackets: an IPv6 literal written bare; keep it whole.
  if (hostport.indexOf(':', colon + 1) >= 0) return { host: hostport, port: undefined };
  return { host: hostport.slice(0, colon), port: readPort(hostport.slice(colon + 1)) };
}

function readPort(text: string): number | null | undefined {
  if (text === '') return undefined;
  if (text.length > 5 || !/^[0-9]+$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
