/**
 * IP address text the way curl reads and writes it, without regular expressions and in one
 * pass: inet_pton (strict dotted quads without leading zeros; IPv6 with at most one `::` and
 * an optional dotted tail), inet_ntop for IPv6 (the form curl's URL parser keeps when it is
 * shorter), and the URL parser's IPv4 normalisation (`127.1`, `0x7f.0.0.1`, `2130706433` are
 * all 127.0.0.1). Used for no-proxy lists (lib/noproxy.c), URL hosts (lib/urlapi.c) and the
 * proxy host curl connects to.
 */

/** inet_pton(AF_INET) on text[start, end): the address as an unsigned 32-bit number, or -1. */
export function parseIpv4Strict(text: string, start = 0, end = text.length): number {
  let octets = 0;
  let value = 0;
  let part = -1; // the octet being read, -1 before its first digit
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (part === 0) return -1; // a leading zero ("01") is refused
      part = part < 0 ? c - 0x30 : part * 10 + (c - 0x30);
      if (part > 255) return -1;
    } else if (c === 0x2e && part >= 0 && octets < 3) {
      value = value * 256 + part;
      octets++;
      part = -1;
    } else {
      return -1;
    }
  }
  if (octets !== 3 || part < 0) return -1;
  return value * 256 + part;
}

/** An IPv4 address (unsigned 32-bit) as a dotted quad. */
export function formatIpv4(address: number): string {
  return `${Math.floor(address / 0x1000000) & 0xff}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/**
 * curl's URL parser on a host name (urlapi.c `ipv4_normalize`): one to four numbers, each
 * decimal, octal (leading 0) or hex (0x), separated by dots, the last one filling the bytes
 * left (`a`, `a.b` 8.24, `a.b.c` 8.8.16, `a.b.c.d`). Returns the address, or -1 when the text
 * is a host name to curl (anything else, including a trailing dot or an out-of-range part).
 */
export function normalizeIpv4(text: string): number {
  const parts = [0, 0, 0, 0];
  let n = 0;
  let i = 0;
  const end = text.length;
  for (;;) {
    if (i >= end || !isDigit(text.charCodeAt(i))) return -1;
    const value = readStrtoul(text, i);
    if (value < 0) return -1; // over 32 bits
    parts[n] = value;
    i = strtoulEnd;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x2e || n === 3) return -1;
    n++;
    i++;
  }
  const [a, b, c, d] = parts as [number, number, number, number];
  switch (n) {
    case 0:
      return a;
    case 1:
      return a > 0xff || b > 0xffffff ? -1 : a * 0x1000000 + b;
    case 2:
      return a > 0xff || b > 0xff || c > 0xffff ? -1 : a * 0x1000000 + b * 0x10000 + c;
    default:
      return a > 0xff || b > 0xff || c > 0xff || d > 0xff ? -1 : a * 0x1000000 + b * 0x10000 + c * 0x100 + d;
  }
}

/** Where the last readStrtoul stopped (a module variable, so reading a number allocates nothing). */
let strtoulEnd = 0;

/**
 * strtoul(text + start, &end, 0) for text that starts with a digit: 0x hex, 0 octal, else
 * decimal; stops at the first character that does not belong (kept in strtoulEnd). -1 above 32 bits.
 */
function readStrtoul(text: string, start: number): number {
  let i = start;
  let base = 10;
  if (text.charCodeAt(i) === 0x30) {
    const x = text.charCodeAt(i + 1) | 0x20;
    if (x === 0x78 && hexValue(text.charCodeAt(i + 2)) >= 0) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  let value = 0;
  let over = false;
  for (; i < text.length; i++) {
    const digit = base === 16 ? hexValue(text.charCodeAt(i)) : text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit >= base) break;
    if (!over) {
      value = value * base + digit;
      if (value > 0xffffffff) over = true;
    }
  }
  strtoulEnd = i;
  return over ? -1 : value;
}

/** inet_pton(AF_INET6) on text[start, end) (glibc's rules): 16 bytes, or null. */
export function parseIpv6Strict(text: string, start = 0, end = text.length): number[] | null {
  if (start >= end || end - start > 45) return null;
  const bytes: number[] = [];
  let i = start;
  let compressAt = -1; // where "::" stands, in bytes
  if (text.charCodeAt(i) === 0x3a) {
    if (i + 1 >= end || text.charCodeAt(i + 1) !== 0x3a) return null;
    i++;
  }
  let groupStart = i;
  let digits = 0;
  let value = 0;
  while (i < end) {
    const c = text.charCodeAt(i++);
    const hex = hexValue(c);
    if (hex >= 0) {
      if (digits === 4) return null;
      value = value * 16 + hex;
      digits++;
      continue;
    }
    if (c === 0x3a) {
      groupStart = i;
      if (digits === 0) {
        if (compressAt >= 0) return null;
        compressAt = bytes.length;
        continue;
      }
      if (i === end || bytes.length + 2 > 16) return null;
      bytes.push(value >> 8, value & 0xff);
      digits = 0;
      value = 0;
      continue;
    }
    if (c === 0x2e && bytes.length + 4 <= 16) {
      const v4 = parseIpv4Strict(text, groupStart, end);
      if (v4 < 0) return null;
      bytes.push(Math.floor(v4 / 0x1000000) & 0xff, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff);
      digits = 0;
      i = end;
      break;
    }
    return null;
  }
  if (digits > 0) {
    if (bytes.length + 2 > 16) return null;
    bytes.push(value >> 8, value & 0xff);
  }
  if (compressAt >= 0) {
    if (bytes.length === 16) return null; // "::" would stand for nothing
    const zeros = new Array<number>(16 - bytes.length).fill(0);
    bytes.splice(compressAt, 0, ...zeros);
  }
  return bytes.length === 16 ? bytes : null;
}

/** inet_ntop(AF_INET6) as glibc writes it: the longest run of two or more zero groups as "::", lower-case hex, a dotted tail for ::a.b.c.d and ::ffff:a.b.c.d. */
export function formatIpv6(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return `${out}${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The value of a hex digit, or -1 (NaN, past the end of a string, gives -1 too). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
