/**
 * IP addresses and CIDR blocks for proxy-host suppressions, IPv4 and IPv6 (with `::`
 * compression, an embedded IPv4 tail and a %zone), without regular expressions. An
 * IPv4-mapped IPv6 address (::ffff:10.1.2.3) is compared as the IPv4 address it carries.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = readonly number[];

/** A parsed CIDR block. */
export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(text: string): IpBytes | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = bare.indexOf('%');
  const address = zone >= 0 ? bare.slice(0, zone) : bare;
  const bytes = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  return bytes === undefined ? undefined : unmap(bytes);
}

/** Parses "addr/prefix"; undefined when it is not a valid CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const bytes = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (bytes === undefined || !isDigits(prefixText, 3)) return undefined;
  let prefix = Number(prefixText);
  // A v4-mapped v6 block (::ffff:10.0.0.0/104) is the v4 block /8.
  if (bytes.length === 4 && text.slice(0, slash).includes(':')) prefix -= 96;
  if (prefix < 0 || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** True when the address lies inside the block (same family). */
export function cidrContains(block: Cidr, address: IpBytes): boolean {
  if (block.bytes.length !== address.length) return false;
  let bits = block.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((block.bytes[i] as number) & mask) !== ((address[i] as number) & mask)) return false;
  }
  return true;
}

/** True when two addresses are the same. */
export function sameIp(a: IpBytes, b: IpBytes): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!isDigits(part, 3)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 16 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 2) return undefined;
  return [...head, ...new Array<number>(Math.max(missing, 0)).fill(0), ...tail];
}

/** Colon-separated 16-bit groups as bytes; the last group may be a dotted IPv4 address. */
function groups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const bytes: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      bytes.push(...v4);
      continue;
    }
    if (part.length === 0 || part.length > 4 || !isHex(part)) return undefined;
    const value = parseInt(part, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

function unmap(bytes: number[]): number[] {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.slice(12) : bytes;
}

function isDigits(text: string, maxLength: number): boolean {
  if (text.length === 0 || text.length > maxLength) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
