/**
 * Random curl invocations for the differential test against the real curl
 * (test/integration/curl-oracle.test.ts), drawn from the shared seeded PRNG.
 *
 * Every form is one curl 7.88.1 accepts the way the rule models it: no `--opt=value` (curl
 * 8.16+), no config files, no URL globs, `-q` never (the oracle puts it first), and none of the
 * no-proxy forms on which curl versions differ (docs/rule.md). Hosts follow
 * the oracle's conventions (test/support/curl-oracle.ts): URL hosts are `.invalid` names or
 * loopback literals outside 127.1.0.0/16; proxies are other `.invalid` names or literals
 * inside 127.1.0.0/16 (or ::ffff:127.1.x.y), so no proxy ever shares a name with a URL.
 */
import type { CurlInvocation } from './curl-oracle.js';
import type { Random } from './random.js';

/** An argument group: an option with its value, a flag, or a URL. Shrinking removes whole items. */
export interface CaseItem {
  words: string[];
  url: boolean;
}

/** A structured invocation: `--next` segments of items, and the environment. */
export interface CurlCase {
  segments: CaseItem[][];
  env: Record<string, string>;
  /** `--next` or `-:` between segments. */
  next: '--next' | '-:';
}

/** The invocation the oracle runs for a case. */
export function toInvocation(c: CurlCase): CurlInvocation {
  const args: string[] = [];
  c.segments.forEach((segment, i) => {
    if (i > 0) args.push(c.next);
    for (const item of segment) args.push(...item.words);
  });
  return { args, env: { ...c.env } };
}

/** Smaller variants of a case (one segment, variable, item or no-proxy entry fewer), for shrinking a disagreement. */
export function* shrinkCandidates(c: CurlCase): Generator<CurlCase> {
  if (c.segments.length > 1) {
    for (let s = 0; s < c.segments.length; s++) yield { ...c, segments: c.segments.filter((_, i) => i !== s) };
  }
  for (const name of Object.keys(c.env)) {
    const env = { ...c.env };
    delete env[name];
    yield { ...c, env };
  }
  for (let s = 0; s < c.segments.length; s++) {
    const segment = c.segments[s] as CaseItem[];
    const urls = segment.filter((item) => item.url).length;
    for (let i = 0; i < segment.length; i++) {
      // Every segment keeps a URL: without one curl refuses the whole command line.
      if ((segment[i] as CaseItem).url && urls === 1) continue;
      yield { ...c, segments: c.segments.map((seg, k) => (k === s ? seg.filter((_, j) => j !== i) : seg)) };
    }
  }
  for (const name of ['no_proxy', 'NO_PROXY']) {
    const value = c.env[name];
    if (value !== undefined) for (const shorter of fewerEntries(value)) yield { ...c, env: { ...c.env, [name]: shorter } };
  }
  for (let s = 0; s < c.segments.length; s++) {
    const segment = c.segments[s] as CaseItem[];
    for (let i = 0; i < segment.length; i++) {
      const [name, value] = (segment[i] as CaseItem).words;
      if (value === undefined || !/^--noproxy$/i.test(name ?? '')) continue;
      for (const shorter of fewerEntries(value)) {
        const item = { words: [name as string, shorter], url: false };
        yield { ...c, segments: c.segments.map((seg, k) => (k === s ? seg.map((it, j) => (j === i ? item : it)) : seg)) };
      }
    }
  }
}

/** A no-proxy list with one entry (and the separators after it) left out, for each entry of a list of two or more. */
function fewerEntries(list: string): string[] {
  const entries = [...list.matchAll(/[^\s,]+[\s,]*/g)];
  if (entries.length < 2) return [];
  return entries.map((m) => list.slice(0, m.index) + list.slice(m.index + m[0].length));
}

// ---------------------------------------------------------------------------------------------
// Hosts

/** URL host names: label-boundary look-alikes, case, a name curl guesses ftp:// for. */
const URL_NAMES = [
  'example.invalid',
  'www.example.invalid',
  'a.b.example.invalid',
  'nonexample.invalid',
  'xample.invalid',
  'Example.INVALID',
  'other.invalid',
  'ftp.files.invalid',
  'host.test.invalid',
] as const;
/**
 * URL loopback literals, never inside the proxies' 127.1.0.0/16; some in the other forms curl
 * accepts and rewrites before it compares (127.1 is 127.0.0.1, 2130706437 is 127.0.0.5).
 */
const URL_IPS = ['127.0.0.5', '127.0.0.1', '127.9.8.7', '127.0.0.200', '[::1]', '[::1]', '127.1', '0x7f.0.0.5', '2130706437', '0177.0.0.1', '[0:0::1]'] as const;

const PROXY_NAMES = ['proxy.invalid', 'p1.invalid', 'socks.invalid', 'Corp-Proxy.INVALID', 'px.example-proxy.invalid'] as const;
const PROXY_IPS = ['127.1.0.1', '127.1.2.3', '127.1.255.7', '[::ffff:127.1.0.9]'] as const;

/** no-proxy entries around the URL hosts: exact, suffix, look-alikes, dots, case, IPs, CIDR. */
const NOPROXY_TOKENS = [
  'example.invalid',
  '.example.invalid',
  'example.invalid.',
  '.example.invalid.',
  'EXAMPLE.invalid',
  'ample.invalid',
  'xample.invalid',
  'nonexample.invalid',
  'www.example.invalid',
  'b.example.invalid',
  'invalid',
  '.invalid',
  'other.invalid',
  'files.invalid',
  'ftp.files.invalid',
  '*',
  '*.example.invalid',
  '127.0.0.5',
  '127.0.0.1',
  '127.0.0.0/8',
  '127.0.0.5/32',
  '127.0.0.0/24',
  '127.0.0.4/31',
  '127.9.0.0/16',
  '127.0.0.9/8',
  '0.0.0.0/0',
  '127.0.0.0/33',
  '::1',
  '::1/128',
  '[::1]',
  '::/0',
  '127.1.0.1',
] as const;
/**
 * Commas, with blanks around them. Never blanks alone: curl 7.88 reads `a b` as two entries,
 * current curl stops after `a`, and the rule takes the side that lists less (docs/rule.md).
 */
const NOPROXY_SEPARATORS = [',', ',', ', ', ' , ', ',,', ',\t', '\t,', ' ,'] as const;

// ---------------------------------------------------------------------------------------------
// Generator

/** One random invocation: 1-3 segments, options in any order around 1-3 URLs, 0-6 variables. */
export function randomCase(r: Random): CurlCase {
  const count = r.chance(0.75) ? 1 : r.int(2, 3);
  const segments: CaseItem[][] = [];
  for (let s = 0; s < count; s++) segments.push(randomSegment(r));
  return { segments, env: randomEnv(r), next: r.chance(0.85) ? '--next' : '-:' };
}

function randomSegment(r: Random): CaseItem[] {
  const items: CaseItem[] = [];
  const urls = r.int(1, 3);
  for (let i = 0; i < urls; i++) items.push({ words: [randomUrl(r)], url: true });
  const options = r.int(0, 4);
  for (let i = 0; i < options; i++) {
    const roll = r.next();
    const item = roll < 0.5 ? proxyOption(r) : roll < 0.8 ? noproxyOption(r) : noiseOption(r);
    items.splice(r.int(0, items.length), 0, item);
  }
  return items;
}

function option(...words: string[]): CaseItem {
  return { words, url: false };
}

function randomUrl(r: Random): string {
  const host = r.chance(0.65) ? r.pick(URL_NAMES) : r.pick(URL_IPS);
  const dotted = r.chance(0.1) && !host.startsWith('[') ? `${host}.` : host;
  const userinfo = r.chance(0.12) ? r.pick(['user:pw@', 'u@', 'a%40b:x@']) : '';
  const port = r.chance(0.25) ? r.pick([':80', ':443', ':8080', ':21', ':9']) : '';
  const path = r.pick(['', '/', '/x', '/a/b?q=1', '/-x']);
  // Scheme-less URLs: curl guesses http://, or ftp:// for an ftp. host.
  const scheme = r.pick(['http://', 'http://', 'https://', 'https://', 'ftp://', 'HTTP://', 'Https://', '']);
  return `${scheme}${userinfo}${dotted}${port}${path}`;
}

/** A proxy value curl accepts, or (rarely) one it refuses. */
function proxyValue(r: Random, schemes: readonly string[]): string {
  const roll = r.next();
  if (roll < 0.06) return r.pick(['ftp://proxy.invalid', 'socks6://p1.invalid:1080', 'gopher://socks.invalid', 'http://', ':8080', 'proxy.invalid:99999']);
  if (roll < 0.1) return '';
  const host = r.chance(0.7) ? r.pick(PROXY_NAMES) : r.pick(PROXY_IPS);
  const scheme = r.pick(schemes);
  const userinfo = r.chance(0.1) ? 'user:secret@' : '';
  const port = r.chance(0.6) ? r.pick([':3128', ':1080', ':8080', ':9050']) : '';
  const slash = r.chance(0.1) ? '/' : '';
  return `${scheme}${userinfo}${host}${port}${slash}`;
}

const PROXY_SCHEMES = ['', '', 'http://', 'https://', 'socks4://', 'socks4a://', 'socks5://', 'socks5h://', 'socks://', 'HTTP://', 'SOCKS5H://', 'Socks4a://'];
const SOCKS_SCHEMES = ['socks4://', 'socks4a://', 'socks5://', 'socks5h://', 'socks://', 'SOCKS5://'];

function proxyOption(r: Random): CaseItem {
  const roll = r.next();
  if (roll < 0.45) {
    const value = proxyValue(r, PROXY_SCHEMES);
    const form = value === '' ? r.pick(['-x', '--proxy']) : r.pick(['-x', '-x', '--proxy', '--proxy', 'attached', 'cluster', 'cluster-attached', '--PROXY', '--Proxy']);
    if (form === 'attached') return option(`-x${value}`);
    if (form === 'cluster') return option(`${r.pick(['-s', '-sS', '-Ss', '-k', '-sSL'])}x`, value);
    if (form === 'cluster-attached') return option(`${r.pick(['-s', '-sS', '-v'])}x${value}`);
    return option(form, value);
  }
  if (roll < 0.6) return option(r.pick(['--preproxy', '--preproxy', '--preprox']), proxyValue(r, SOCKS_SCHEMES));
  if (roll < 0.9) {
    const name = r.pick(['--socks4', '--socks4a', '--socks5', '--socks5-hostname', '--socks5-h', '--SOCKS5']);
    // Mostly host[:port] as documented; sometimes a scheme, which then wins over the option's type.
    return option(name, proxyValue(r, r.chance(0.8) ? [''] : PROXY_SCHEMES));
  }
  return option('--proxy1.0', proxyValue(r, ['', '', 'http://']));
}

/** A no-proxy list: 1-4 entries, comma-separated with or without blanks, sometimes padded with blanks. */
export function noproxyList(r: Random): string {
  if (r.chance(0.08)) return r.pick(['*', '', ' ', ',']);
  const count = r.int(1, 4);
  let text: string = r.pick(NOPROXY_TOKENS);
  for (let i = 1; i < count; i++) text += r.pick(NOPROXY_SEPARATORS) + r.pick(NOPROXY_TOKENS);
  if (r.chance(0.1)) text = ` ${text}`;
  if (r.chance(0.1)) text = `${text}${r.pick([' ', ','])}`;
  return text;
}

function noproxyOption(r: Random): CaseItem {
  return option(r.chance(0.9) ? '--noproxy' : '--NOPROXY', noproxyList(r));
}

/** Options that take values which look like proxy options, and plain flags. */
function noiseOption(r: Random): CaseItem {
  return r.pick([
    option('-X', 'POST'),
    option('-H', 'X-Note: -x proxy.invalid'),
    option('-d', 'a -x b --proxy c'),
    option('-A', 'agent --preproxy x'),
    option('-o', '/dev/null'),
    option('-s'),
    option('-S'),
    option('-k'),
    option('-L'),
    option('--compressed'),
    option('-sSk'),
    option('--retry', '0'),
  ]);
}

/** Names curl reads, and some it does not (HTTP_PROXY, mixed case). */
const ENV_PROXY_NAMES = ['http_proxy', 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'ftp_proxy', 'FTP_PROXY', 'Http_Proxy'] as const;

/** Proxy variables (upper-case HTTP_PROXY among them, which curl ignores), no-proxy lists, sometimes empty values. */
function randomEnv(r: Random): Record<string, string> {
  const env: Record<string, string> = {};
  const proxies = r.pick([0, 0, 1, 1, 2, 3]);
  for (let i = 0; i < proxies; i++) env[r.pick(ENV_PROXY_NAMES)] = proxyValue(r, PROXY_SCHEMES);
  if (r.chance(0.4)) env[r.pick(['no_proxy', 'NO_PROXY'])] = noproxyList(r);
  if (r.chance(0.08)) env[r.pick(['no_proxy', 'NO_PROXY', 'No_Proxy'])] = noproxyList(r);
  if (r.chance(0.1)) env['PATH'] = '/usr/bin:/bin';
  return env;
}
