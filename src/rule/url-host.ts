import { formatIpv4, formatIpv6, normalizeIpv4, parseIpv6Strict } from './inet.js';

/**
 * The part of curl's URL parser (lib/urlapi.c, 7.88.1 and 8.x) that the proxy decision needs:
 * the scheme (it picks the proxy variable) and the host that no-proxy lists are compared with.
 * A scheme is letters, digits, + - . followed by ":/" (curl guesses one otherwise: ftp. dict.
 * ldap. imap. smtp. pop3. hosts get theirs, others http, or --proto-default); 1 to 3 slashes;
 * the authority runs to the first / ? or #; credentials end at its first '@'; the port starts
 * at its first ':' (after ']' for [IPv6]); an IPv4 host in any form curl accepts is rewritten as
 * a dotted quad, an IPv6 one shortened as curl shortens it, its %zone dropped.
 *
 * When the host cannot be known exactly (URL globbing, percent-encoding, an IDN name, a URL
 * curl refuses), `host` is null and `why` says why: the caller then counts the URL as proxied.
 */

/** Where one URL goes, as far as curl's proxy decision is concerned. */
export interface UrlTarget {
  /** Lower-case scheme (written, guessed or --proto-default); null when it cannot be known. */
  scheme: string | null;
  /** The host as curl compares it with no-proxy lists; null when it cannot be known. */
  host: string | null;
  kind: HostKind;
  /** Why the host is unknown, or null. */
  why: string | null;
}

/** How curl's no-proxy check reads the host. */
export type HostKind = 'name' | 'ipv4' | 'ipv6';

/** How the walk read the URL. */
export interface UrlContext {
  /** --proto-default, when the transfer has one. */
  protoDefault: string | null;
  /** False under -g/--globoff: {} and [] are then literal. */
  globbing: boolean;
}

/** Longest host name compared with a no-proxy list; a longer one (DNS allows 255) is left unknown, which keeps the check linear. */
export const MAX_HOST_NAME = 255;

/** Reads one URL as curl would (see the module comment). Never throws; linear in the URL. */
export function urlTarget(url: string, context: UrlContext): UrlTarget {
  let text = url;
  let schemeEnd = schemeLength(text);
  let written = schemeEnd > 0;
  if (!written && context.protoDefault !== null) {
    // curl (lib/url.c) writes "<proto-default>://" in front of a URL without a scheme.
    text = `${context.protoDefault}://${url}`;
    schemeEnd = context.protoDefault.length;
    written = true;
  }
  let scheme: string | null = written ? text.slice(0, schemeEnd).toLowerCase() : null;
  if (scheme === 'file') return { scheme, host: null, kind: 'name', why: 'file:// makes no network connection' };
  let start = 0;
  if (written) {
    start = schemeEnd + 1;
    let slashes = 0;
    while (slashes < 4 && text.charCodeAt(start) === 0x2f) {
      start++;
      slashes++;
    }
    if (slashes > 3) return unknown(scheme, 'curl refuses a URL with more than three slashes after the scheme');
  }
  let end = start;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break; // / ? #
    end++;
  }
  let hostStart = start;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 0x40) {
      hostStart = i + 1; // the first '@' ends the credentials
      break;
    }
  }
  if (context.globbing && hasGlob(text, end, hostStart)) {
    return unknown(scheme, 'curl expands {} and [] in URLs (globbing, no -g/--globoff): the hosts are not known');
  }
  if (hostStart === end) return unknown(scheme, 'the URL has no host: curl refuses it');
  let host: string;
  let kind: HostKind = 'name';
  let portStart: number;
  if (text.charCodeAt(hostStart) === 0x5b) {
    const close = text.indexOf(']', hostStart);
    if (close < 0 || close >= end) return unknown(scheme, 'an IPv6 address without its closing ]: curl refuses the URL');
    const address = ipv6Host(text, hostStart + 1, close);
    if (address === null) return unknown(scheme, 'an invalid IPv6 address in []: curl refuses the URL');
    host = address;
    kind = 'ipv6';
    if (close + 1 < end && text.charCodeAt(close + 1) !== 0x3a) return unknown(scheme, 'text after the IPv6 address: curl refuses the URL');
    portStart = close + 1 < end ? close + 2 : -1;
  } else {
    let colon = -1;
    for (let i = hostStart; i < end; i++) {
      if (text.charCodeAt(i) === 0x3a) {
        colon = i;
        break;
      }
    }
    host = text.slice(hostStart, colon < 0 ? end : colon);
    portStart = colon < 0 ? -1 : colon + 1;
  }
  if (portStart >= 0 && !validPort(text, portStart, end, written)) return unknown(scheme, 'curl refuses the port of the URL');
  if (host === '') return unknown(scheme, 'the URL has no host: curl refuses it');
  if (kind === 'name') {
    const v4 = normalizeIpv4(host);
    if (v4 >= 0) {
      host = formatIpv4(v4);
      kind = 'ipv4';
    } else {
      const problem = hostNameProblem(host);
      if (problem !== null) return unknown(scheme, problem);
    }
  }
  scheme ??= guessScheme(host);
  return { scheme, host, kind, why: null };
}

function unknown(scheme: string | null, why: string): UrlTarget {
  return { scheme, host: null, kind: 'name', why };
}

/**
 * Length of a scheme that curl recognises at the start (guessing mode): a letter, then up to
 * 39 letters, digits, + - or ., then ':' and '/'. 0 when there is none.
 */
function schemeLength(text: string): number {
  const first = text.charCodeAt(0) | 0x20;
  if (!(first >= 0x61 && first <= 0x7a)) return 0;
  let i = 1;
  for (; i < 40 && i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lower = c | 0x20;
    const ok = (lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!ok) break;
  }
  return text.charCodeAt(i) === 0x3a && text.charCodeAt(i + 1) === 0x2f ? i : 0;
}

/**
 * Globbing characters before the end of the authority, other than the brackets of an IPv6
 * host (curl's glob parser leaves a valid [IPv6] alone).
 */
function hasGlob(text: string, end: number, hostStart: number): boolean {
  const ipv6Close = text.charCodeAt(hostStart) === 0x5b ? text.indexOf(']', hostStart) : -1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x7d) return true; // { }
    if ((c === 0x5b || c === 0x5d) && i !== hostStart && i !== ipv6Close) return true; // [ ]
  }
  return false;
}

/**
 * The host curl keeps for [address%zone] (urlapi.c `ipv6_parse`): the address checked with
 * inet_pton and replaced by inet_ntop's form when that is shorter; the zone (1 to 15
 * characters after '%' or '%25') dropped. Null when curl refuses it.
 */
function ipv6Host(text: string, start: number, close: number): string | null {
  let end = start;
  while (end < close && isIpv6Char(text.charCodeAt(end))) end++;
  if (end < close) {
    if (text.charCodeAt(end) !== 0x25) return null; // only a %zone may follow
    let zone = end + 1;
    if (text.startsWith('25', zone) && zone + 2 < close) zone += 2;
    const length = close - zone;
    if (length < 1 || length > 15) return null;
  }
  const bytes = parseIpv6Strict(text, start, end);
  if (bytes === null) return null;
  const written = text.slice(start, end);
  const shorter = formatIpv6(bytes);
  return shorter.length < written.length ? shorter : written;
}

function isIpv6Char(c: number): boolean {
  const lower = c | 0x20;
  return (c >= 0x30 && c <= 0x3a) || (lower >= 0x61 && lower <= 0x66) || c === 0x2e;
}

/** curl's port rules: digits only, at most 65535; an empty port only after a written scheme. */
function validPort(text: string, start: number, end: number, written: boolean): boolean {
  if (start >= end) return written;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    value = value * 10 + (c - 0x30);
    if (value > 0xffff) return false;
  }
  return true;
}

/**
 * Why a host name cannot be compared as written, or null: curl decodes %XX and converts IDN
 * names before connecting, and refuses the characters urlapi.c `hostname_check` lists.
 */
function hostNameProblem(host: string): string | null {
  if (host.length > MAX_HOST_NAME) return `a host name longer than ${MAX_HOST_NAME} characters`;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 0x25) return 'a percent-encoded host name, which curl decodes first';
    if (c >= 0x80) return 'an international (IDN) host name, which curl converts first';
    const lower = c | 0x20;
    const ok = (lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x7c;
    if (!ok) return 'a character curl refuses in a host name';
  }
  return null;
}

const GUESSES = ['ftp', 'dict', 'ldap', 'imap', 'smtp', 'pop3'] as const;

/** curl's legacy guess for a URL without a scheme: ftp.example -> ftp, ..., else http. */
function guessScheme(host: string): string {
  for (const guess of GUESSES) {
    if (host.length > guess.length && host.charCodeAt(guess.length) === 0x2e && host.slice(0, guess.length).toLowerCase() === guess) return guess;
  }
  return 'http';
}

/**
 * The host curl connects to for a host written in a proxy value: an IPv4 host in any form curl
 * accepts as a dotted quad, an IPv6 one without brackets and shortened as curl does; names as
 * written.
 */
export function connectHost(host: string): string {
  if (host.includes(':')) {
    const bytes = parseIpv6Strict(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
    if (bytes === null) return host;
    const shorter = formatIpv6(bytes);
    return shorter.length < host.length ? shorter : host;
  }
  const v4 = normalizeIpv4(host);
  return v4 >= 0 ? formatIpv4(v4) : host;
}
