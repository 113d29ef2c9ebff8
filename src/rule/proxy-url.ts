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

/**
 * Parses a proxy value; `defaultScheme` applies when none is written. One pass over the
 * authority, on indexes; it slices only what it returns (it runs for every proxy of every match).
 */
export function parseProxyValue(value: string, defaultScheme: ProxyScheme): ParsedProxy {
  const schemeEnd = schemeLength(value);
  const start = schemeEnd > 0 ? schemeEnd + 3 : 0;
  // The authority runs to the first / ? or #. Track its last '@' (credentials end there) and,
  // after that '@', its first colon and whether another follows.
  let end = value.length;
  let at = -1;
  let colon = -1;
  let colons = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) end = i; // / ? # (ends the loop)
    else if (c === 0x40) {
      at = i;
      colon = -1;
      colons = 0;
    } else if (c === 0x3a && colons++ === 0) colon = i;
  }
  const hostStart = at >= 0 ? at + 1 : start;
  const url = shorten(at < 0 ? value : `${value.slice(0, start)}***${value.slice(at)}`);
  let scheme: ProxyScheme | null = defaultScheme;
  let problem: string | null = null;
  if (schemeEnd > 0) {
    scheme = knownScheme(value, schemeEnd);
    if (scheme === null) problem = `curl rejects the unsupported proxy scheme ${shorten(value.slice(0, schemeEnd).toLowerCase())}://`;
  }
  let host: string;
  let port: number | null | undefined;
  if (hostStart < end && value.charCodeAt(hostStart) === 0x5b) {
    // [IPv6]:port
    const close = indexBefore(value, ']', hostStart, end);
    if (close < 0) {
      host = value.slice(hostStart + 1, end);
      port = undefined;
    } else {
      host = value.slice(hostStart + 1, close);
      port = close + 1 < end && value.charCodeAt(close + 1) === 0x3a ? readPort(value, close + 2, end) : undefined;
    }
  } else if (colons !== 1) {
    // No colon: no port. More than one without brackets: an IPv6 literal written bare; keep it whole.
    host = value.slice(hostStart, end);
    port = undefined;
  } else {
    host = value.slice(hostStart, colon);
    port = readPort(value, colon + 1, end);
  }
  if (problem === null && host === '') problem = 'the proxy value names no host';
  const effectivePort = port === undefined ? (scheme === 'https' ? 443 : 1080) : port;
  // A host longer than DNS allows is cut, so a hostile value cannot make the verdict huge.
  const shownHost = host === '' ? null : shorten(host, 255);
  return { url, scheme, host: shownHost, port: effectivePort, problem };
}

/**
 * The scheme curl makes of value[0, length), compared ASCII case-insensitively, or null when
 * curl refuses it: http, https, socks (= socks4), socks4, socks4a, socks5, socks5h.
 */
function knownScheme(value: string, length: number): ProxyScheme | null {
  switch (length) {
    case 4:
      return startsWithWord(value, 'http') ? 'http' : null;
    case 5:
      return startsWithWord(value, 'https') ? 'https' : startsWithWord(value, 'socks') ? 'socks4' : null;
    case 6:
      return startsWithWord(value, 'socks4') ? 'socks4' : startsWithWord(value, 'socks5') ? 'socks5' : null;
    case 7:
      return startsWithWord(value, 'socks4a') ? 'socks4a' : startsWithWord(value, 'socks5h') ? 'socks5h' : null;
    default:
      return null;
  }
}

/** True when value starts with `lowerWord` in any ASCII case (the word holds letters and digits only). */
function startsWithWord(value: string, lowerWord: string): boolean {
  for (let i = 0; i < lowerWord.length; i++) if ((value.charCodeAt(i) | 0x20) !== lowerWord.charCodeAt(i)) return false;
  return true;
}

/** Replaces `user[:password]@` in a URL-ish value with `***@`. */
export function redactCredentials(value: string): string {
  return redact(value, schemeLength(value));
}

function redact(value: string, schemeEnd: number): string {
  const start = schemeEnd > 0 ? schemeEnd + 3 : 0;
  const at = lastAt(value, start, authorityEnd(value, start));
  if (at < start) return value;
  return `${value.slice(0, start)}***${value.slice(at)}`;
}

/** Cuts a long value for display. */
export function shorten(text: string, max = MAX_SHOWN_VALUE): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}

/** Length of a valid URL scheme followed by "://" at the start, else 0 (at most 40 characters). */
function schemeLength(value: string): number {
  // A scheme is a letter, then letters, digits, + - or . (none of them a colon), so the first
  // other character must start the "://".
  let i = 0;
  for (; i < value.length && i <= 40; i++) {
    const c = value.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    const other = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!(alpha || (i > 0 && other))) break;
  }
  return i > 0 && i <= 40 && value.startsWith('://', i) ? i : 0;
}

function authorityEnd(value: string, start: number): number {
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) return i; // / ? #
  }
  return value.length;
}

/** Index of the last '@' in value[start, end), or -1 (a plain loop: lastIndexOf is a runtime call). */
function lastAt(value: string, start: number, end: number): number {
  let i = end - 1;
  while (i >= start && value.charCodeAt(i) !== 0x40) i--;
  return i >= start ? i : -1;
}

/** Index of `char` in value[from, end), or -1. */
function indexBefore(value: string, char: string, from: number, end: number): number {
  const at = value.indexOf(char, from);
  return at < end ? at : -1;
}

/** The port written in value[start, end): undefined when empty, null when not a port number. */
function readPort(value: string, start: number, end: number): number | null | undefined {
  if (start >= end) return undefined;
  if (end - start > 5) return null;
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
    port = port * 10 + (c - 0x30);
  }
  return port <= 65535 ? port : null;
}
