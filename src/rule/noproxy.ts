import { parseIpv4Strict } from './inet.js';
import { MAX_HOST_NAME, type HostKind } from './url-host.js';

/**
 * curl's no-proxy lists (`--noproxy`, `no_proxy`, `NO_PROXY`), as lib/noproxy.c
 * `Curl_check_noproxy` reads them in curl 7.88.1 and in current curl. Where the two differ,
 * a host counts as listed only when both list it (so the rule errs towards "proxied"):
 *
 * - the list is comma-separated; blanks (space, tab) around names are skipped; only the whole
 *   value `*` means every host;
 * - a host name (any case, one trailing dot ignored) is listed by a name equal to it or to one
 *   of its parent domains, label-aligned (`example.com` and `.example.com` list `a.example.com`
 *   but not `notexample.com`); one leading and one trailing dot of each name are ignored;
 * - an IPv4 host is listed by an address or an `address/bits` block (bits 1-32, digits only;
 *   `/0` and `/32` mean the address itself); names of 128 characters or more never list an
 *   address;
 * - an IPv6 host (as curl writes it, without brackets or zone) is listed by the same text in
 *   any case. Current curl also compares IPv6 as addresses and blocks (`::1/64`), 7.88.1 only
 *   as text: the text comparison is where they agree;
 * - names separated by blanks only (`a b`): 7.88.1 reads them all, current curl stops at the
 *   first such name, so the names after it list nothing here (`ignoredTail`);
 * - CIDR bits: 7.88.1 reads them with atoi (`/8x` is /8, `/` is /0), current curl refuses
 *   anything but digits: only digits count here.
 *
 * A list is compiled once per event and checks any number of hosts in time linear in the
 * host's length (hash look-ups of its parent domains), never list x hosts.
 */
export interface NoProxyList {
  /** Where the list came from, as verdicts show it: '--noproxy', 'env no_proxy', 'env NO_PROXY'. */
  readonly source: string;
  /** The list as curl reads it (up to a NUL byte, which ends a C string). */
  readonly value: string;
  /** True for the value `*`: every host is exempted. */
  readonly all: boolean;
  /** True when the list names nothing (empty, only blanks and commas). */
  readonly empty: boolean;
  /** The part current curl does not read (after blank-separated names), or null. */
  readonly ignoredTail: string | null;
  /** Host-name entries (leading and trailing dot removed, lower-case) -> the entry as written. */
  readonly names: ReadonlyMap<string, string>;
  /** An entry that becomes empty (".", ".."): lists host names that end with a dot after the one ignored. */
  readonly emptyName: string | null;
  /** IPv4 entries: prefix length (0..32; 32 for a single address) -> network -> the entry as written. */
  readonly ipv4: ReadonlyMap<number, ReadonlyMap<number, string>>;
  /** IPv6 entries, lower-case text -> as written. */
  readonly ipv6: ReadonlyMap<string, string>;
}

/** The host a no-proxy list is asked about (see url-host.ts). */
export interface ListedHost {
  host: string;
  kind: HostKind;
}

/** Reads a no-proxy list (see the module comment). Never throws; linear in the value. */
export function compileNoProxy(source: string, value: string): NoProxyList {
  const nul = value.indexOf('\0');
  const text = nul >= 0 ? value.slice(0, nul) : value;
  const names = new Map<string, string>();
  const ipv4 = new Map<number, Map<number, string>>();
  const ipv6 = new Map<string, string>();
  let emptyName: string | null = null;
  let ignoredTail: string | null = null;
  let entries = 0;
  const n = text.length;
  let p = 0;
  while (p < n) {
    while (p < n && isBlank(text.charCodeAt(p))) p++;
    const start = p;
    while (p < n && !isBlank(text.charCodeAt(p)) && text.charCodeAt(p) !== 0x2c) p++;
    if (p > start) {
      entries++;
      const token = text.slice(start, p);
      const name = hostEntry(token);
      if (name === '') emptyName ??= token;
      else if (name !== null && !names.has(name)) names.set(name, token);
      addIpv4Entry(ipv4, token);
      if (token.includes(':') && token.length <= 45) {
        const lower = token.toLowerCase();
        if (!ipv6.has(lower) && isAscii(token)) ipv6.set(lower, token);
      }
    }
    while (p < n && isBlank(text.charCodeAt(p))) p++;
    if (p >= n) break;
    if (text.charCodeAt(p) !== 0x2c) {
      ignoredTail = text.slice(p);
      break;
    }
    while (p < n && text.charCodeAt(p) === 0x2c) p++;
  }
  return { source, value: text, all: text === '*', empty: entries === 0, ignoredTail, names, emptyName, ipv4, ipv6 };
}

/**
 * The entry of the list that exempts the host, `*` for the whole-list wildcard, or null when
 * the list does not name it. Linear in the host's length.
 */
export function listedBy(list: NoProxyList, target: ListedHost): string | null {
  if (list.all) return '*';
  const host = target.host;
  if (host === '') return null; // curl checks nothing without a host name
  switch (target.kind) {
    case 'ipv4':
      return listedIpv4(list, host); // curl compares an address with addresses only
    case 'ipv6':
      return list.ipv6.get(host.toLowerCase()) ?? null;
    default:
      return listedName(list, host);
  }
}

/** A host name: itself, then each parent domain after a dot (the name has at most MAX_HOST_NAME characters). */
function listedName(list: NoProxyList, host: string): string | null {
  if (host.length > MAX_HOST_NAME) return null;
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  if (list.emptyName !== null && (name === '' || name.endsWith('.'))) return list.emptyName;
  if (list.names.size === 0) return null;
  const whole = list.names.get(name);
  if (whole !== undefined) return whole;
  for (let dot = name.indexOf('.'); dot >= 0 && dot + 1 < name.length; dot = name.indexOf('.', dot + 1)) {
    const parent = list.names.get(name.slice(dot + 1));
    if (parent !== undefined) return parent;
  }
  return null;
}

function listedIpv4(list: NoProxyList, host: string): string | null {
  if (list.ipv4.size === 0) return null;
  const address = parseIpv4Strict(host);
  if (address < 0) return null;
  for (const [bits, networks] of list.ipv4) {
    const hit = networks.get(maskIpv4(address, bits));
    if (hit !== undefined) return hit;
  }
  return null;
}

/**
 * A token as a host-name entry: one trailing dot, then one leading dot removed, ASCII
 * lower-cased. Null for a token with non-ASCII characters (it cannot equal an ASCII host).
 */
function hostEntry(token: string): string | null {
  if (!isAscii(token)) return null;
  let end = token.length;
  if (token.charCodeAt(end - 1) === 0x2e) end--;
  const start = end > 0 && token.charCodeAt(0) === 0x2e ? 1 : 0;
  return token.slice(start, end).toLowerCase();
}

/** `a.b.c.d` or `a.b.c.d/bits` (bits digits only, 0..32; 0 means the address itself), under 128 characters. */
function addIpv4Entry(into: Map<number, Map<number, string>>, token: string): void {
  if (token.length >= 128) return;
  const slash = token.indexOf('/');
  const address = parseIpv4Strict(token, 0, slash < 0 ? token.length : slash);
  if (address < 0) return;
  let bits = 32;
  if (slash >= 0) {
    const digits = token.length - slash - 1;
    if (digits < 1) return;
    bits = 0;
    for (let i = slash + 1; i < token.length; i++) {
      const c = token.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return;
      bits = bits * 10 + (c - 0x30);
      if (bits > 128) return;
    }
    if (bits > 32) return;
    if (bits === 0) bits = 32;
  }
  let networks = into.get(bits);
  if (networks === undefined) into.set(bits, (networks = new Map()));
  const network = maskIpv4(address, bits);
  if (!networks.has(network)) networks.set(network, token);
}

function maskIpv4(address: number, bits: number): number {
  if (bits >= 32) return address;
  const size = 2 ** (32 - bits);
  return address - (address % size);
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}
