import { redactUserinfo } from './redact.js';
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
 * curl reads the value with its URL parser (lib/url.c `parse_proxy`, guessing the scheme), so
 * `problem` is set for everything that parser refuses: an unsupported scheme (also one guessed
 * from an ftp. dict. ldap. imap. smtp. or pop3. host), no host, a port that is not 0-65535,
 * characters a host may not hold, an IPv6 address without valid [brackets].
 */
export function parseProxyValue(value: string, defaultScheme: ProxyScheme): ParsedProxy {
  const schemeEnd = schemeLength(value);
  let start = schemeEnd > 0 ? schemeEnd + 3 : 0;
  let problem: string | null = null;
  const oneSlash = schemeEnd === 0 ? singleSlashScheme(value) : 0;
  if (oneSlash > 0) start = oneSlash + 2; // "http:/host": curl takes one to three slashes
  const written = schemeEnd > 0 || oneSlash > 0;
  if (written && value.charCodeAt(start) === 0x2f) {
    if (value.charCodeAt(start + 1) === 0x2f) problem = 'curl refuses a proxy URL with more than three slashes after the scheme';
    else start++;
  }
  // The authority runs to the first / ? or #. Track its first '@' (curl's host starts there),
  // its last '@' (redaction hides everything before it) and, after that '@', its first colon
  // and whether another follows.
  let end = value.length;
  let firstAt = -1;
  let at = -1;
  let colon = -1;
  let colons = 0;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) end = i; // / ? # (ends the loop)
    else if (c === 0x40) {
      if (firstAt < 0) firstAt = i;
      at = i;
      colon = -1;
      colons = 0;
    } else if (c === 0x3a && colons++ === 0) colon = i;
  }
  const hostStart = at >= 0 ? at + 1 : start;
  const url = shorten(redactUserinfo(value, 'proxy'));
  let scheme: ProxyScheme | null = defaultScheme;
  if (written) {
    const length = schemeEnd > 0 ? schemeEnd : oneSlash;
    scheme = knownScheme(value, length);
    if (scheme === null) problem = `curl rejects the unsupported proxy scheme ${shorten(value.slice(0, length).toLowerCase())}://`;
  }
  let host: string;
  let port: number | null | undefined;
  let bracketed = false;
  if (hostStart < end && value.charCodeAt(hostStart) === 0x5b) {
    // [IPv6]:port
    bracketed = true;
    const close = indexBefore(value, ']', hostStart, end);
    if (close < 0) {
      host = value.slice(hostStart + 1, end);
      port = undefined;
      problem ??= 'an IPv6 proxy address without its closing ]: curl refuses it';
    } else {
      host = value.slice(hostStart + 1, close);
      if (close + 1 < end && value.charCodeAt(close + 1) !== 0x3a) problem ??= 'text after the IPv6 proxy address: curl refuses it';
      port = close + 1 < end && value.charCodeAt(close + 1) === 0x3a ? readPort(value, close + 2, end) : undefined;
      if (close + 2 === end && value.charCodeAt(close + 1) === 0x3a && !written) problem ??= 'an empty port after a proxy without a scheme: curl refuses it';
    }
  } else if (colons > 1) {
    // Without brackets curl takes the port from the first colon, so a bare IPv6 address is refused; keep it whole for display.
    host = value.slice(hostStart, end);
    port = undefined;
    problem ??= 'curl reads the port from the first ":" (an IPv6 proxy needs [brackets]) and refuses it';
  } else if (colons === 0) {
    host = value.slice(hostStart, end);
    port = undefined;
  } else {
    host = value.slice(hostStart, colon);
    port = readPort(value, colon + 1, end);
    if (colon + 1 === end && !written) problem ??= 'an empty port after a proxy without a scheme: curl refuses it';
  }
  if (host === '') problem ??= 'the proxy value names no host';
  if (port === null) problem ??= 'the proxy port is not a number from 0 to 65535: curl refuses it';
  if (firstAt !== at) problem ??= "the proxy's host holds an '@' (curl's credentials end at the first one): curl refuses it";
  if (!bracketed) problem ??= hostProblem(host);
  if (!written && problem === null) {
    const guess = guessedScheme(host);
    if (guess !== null) problem = `curl reads a proxy written without a scheme whose host starts with "${guess}." as ${guess}:// and rejects that scheme`;
  }
  // No port written: curl's default for the scheme; a port curl refuses: unknown.
  const effectivePort = port === undefined ? (scheme === 'https' ? 443 : 1080) : port;
  // A host longer than DNS allows is cut, so a hostile value cannot make the verdict huge.
  const shownHost = host === '' ? null : shorten(host, 255);
  return { url, scheme, host: shownHost, port: effectivePort, problem };
}

/** "scheme:/x" (exactly one slash, which curl also takes): the scheme's length, else 0. */
function singleSlashScheme(value: string): number {
  const colon = value.indexOf(':/');
  if (colon <= 0 || colon > 40 || value.charCodeAt(colon + 2) === 0x2f) return 0;
  return schemeLength(`${value.slice(0, colon)}://`) === colon ? colon : 0;
}

/** Characters curl's URL parser refuses in a host name (urlapi.c `hostname_check`; % is decoded first). */
function hostProblem(host: string): string | null {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x80 && BAD_HOST_CHARACTER[c] === 1) return 'the proxy host holds a character curl refuses in a host name';
  }
  return null;
}

/** 1 for the ASCII characters curl refuses in a host name: controls, space and /:#?!@{}[]\$'"^`*<>=;,+&(). */
const BAD_HOST_CHARACTER: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c <= 0x20; c++) table[c] = 1;
  table[0x7f] = 1;
  for (const ch of '/:#?!@{}[]\\$\'"^`*<>=;,+&()') table[ch.charCodeAt(0)] = 1;
  return table;
})();

const GUESSED = ['ftp', 'dict', 'ldap', 'imap', 'smtp', 'pop3'] as const;

/** The scheme curl guesses from a host that starts with ftp. dict. ldap. imap. smtp. or pop3. (any case), else null. */
function guessedScheme(host: string): string | null {
  for (const guess of GUESSED) {
    if (host.length > guess.length && host.charCodeAt(guess.length) === 0x2e && startsWithWord(host, guess)) return guess;
  }
  return null;
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
  // The one redaction (redact.ts): up to the last '@', so a password holding / # ? or @ is hidden too.
  return redactUserinfo(value, 'proxy');
}

/**
 * An option and its value as curl was given them: `--proxy=http://p` stays glued (the option
 * is kept with its `=`), `--proxy http://p` and `-x p` are two words. For display only.
 */
export function withValue(option: string, value: string): string {
  return option.endsWith('=') ? `${option}${value}` : `${option} ${value}`;
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
