/**
 * Hand-picked invocations for the differential test, one or more per no-proxy rule and proxy
 * source of curl 7.88.1, each with what the real curl does (checked against it, so the
 * table also validates the oracle). `expect` lists each transfer's first hop in order:
 * 'proxy <host>', 'direct <host>' or 'refused'.
 */

export interface HandCase {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** What curl 7.88.1 does. */
  expect: string[];
  /**
   * Where curl versions disagree and the rule deliberately takes the side that proxies more
   * (docs/rule.md, "Where curl versions differ"): what the rule must say instead, and why.
   */
  versionDependent?: { rule: string[]; why: string };
}

const P = ['-x', 'proxy.invalid:3128'];

export const HAND_CASES: readonly HandCase[] = [
  // Proxy sources and which one wins
  { name: 'an -x proxy is used', args: [...P, 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'a literal loopback proxy is told apart from a direct loopback URL', args: ['-x', '127.1.0.1:3128', 'http://127.0.0.5/', '--noproxy', '127.0.0.6', 'http://127.0.0.6/'], expect: ['proxy 127.1.0.1', 'direct 127.0.0.6'] },
  { name: 'an IPv6 literal proxy is used', args: ['-x', 'socks5h://user:pw@[::ffff:127.1.0.9]:1080', 'https://[::1]/'], expect: ['proxy ::ffff:127.1.0.9'] },
  { name: 'a short-option cluster with the value attached sets the proxy', args: ['-sSxproxy.invalid:3128', 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'a short-option cluster takes the next word as the proxy', args: ['-sSx', 'proxy.invalid', 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'the last -x wins', args: ['-x', 'first.invalid', '-x', 'second.invalid', 'http://example.invalid/'], expect: ['proxy second.invalid'] },
  { name: '--socks5 after -x replaces it', args: ['-x', 'proxy.invalid', '--socks5', 'socks.invalid', 'http://example.invalid/'], expect: ['proxy socks.invalid'] },
  { name: '-x after --socks5 replaces it', args: ['--socks5', 'socks.invalid', '-x', 'proxy.invalid', 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'a SOCKS proxy name that cannot resolve is read as a proxy', args: ['--socks5-hostname', 'socks.invalid', 'ftp.files.invalid'], expect: ['proxy socks.invalid'] },
  { name: 'the pre-proxy is the first hop', args: ['--preproxy', 'socks5://pre.invalid', ...P, 'http://example.invalid/'], expect: ['proxy pre.invalid'] },
  { name: 'a pre-proxy alone is the first hop', args: ['--preproxy', 'socks4://pre.invalid', 'http://example.invalid/'], expect: ['proxy pre.invalid'] },
  { name: 'the pre-proxy is the first hop even when curl tries another transfer\'s cached address for it', args: ['-x', 'socks5://127.1.255.7:8080/', 'http://127.0.0.5/', '--next', '--preproxy', 'socks://p1.invalid:8080', '-x', '127.1.255.7', 'http://127.0.0.6/'], expect: ['proxy 127.1.255.7', 'proxy p1.invalid'] },
  { name: 'a pre-proxy hides the environment proxy', args: ['--preproxy', 'socks5://pre.invalid', 'http://example.invalid/'], env: { http_proxy: 'env.invalid' }, expect: ['proxy pre.invalid'] },
  { name: '--proxy1.0 is a proxy', args: ['--proxy1.0', 'proxy.invalid', 'https://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'old case-insensitive and abbreviated spellings are proxies', args: ['--PROXY', 'proxy.invalid', '--preprox', 'socks5://pre.invalid', 'http://example.invalid/'], expect: ['proxy pre.invalid'] },
  { name: 'proxy schemes are case-insensitive', args: ['-x', 'HTTP://Proxy.INVALID', 'HTTPS://example.invalid/'], expect: ['proxy Proxy.INVALID'] },
  { name: 'an empty -x turns the environment proxy off', args: ['-x', '', 'http://example.invalid/'], env: { http_proxy: 'env.invalid' }, expect: ['direct example.invalid'] },
  { name: 'an empty --preproxy turns the environment proxy off too', args: ['--preproxy', '', 'http://example.invalid/'], env: { http_proxy: 'env.invalid' }, expect: ['direct example.invalid'] },
  { name: 'each --next segment has its own proxy', args: [...P, 'http://example.invalid/', '--next', 'http://other.invalid/'], expect: ['proxy proxy.invalid', 'direct other.invalid'] },
  { name: '-: is --next', args: [...P, 'http://example.invalid/', '-:', '--noproxy', '*', '-x', 'second.invalid', 'http://other.invalid/'], expect: ['proxy proxy.invalid', 'direct other.invalid'] },

  // Proxies curl refuses
  { name: 'an unknown proxy scheme is refused', args: ['-x', 'ftp://proxy.invalid', 'http://example.invalid/', 'http://other.invalid/'], expect: ['refused', 'refused'] },
  { name: 'a proxy without a host is refused', args: ['-x', 'http://', 'http://example.invalid/'], expect: ['refused'] },
  { name: 'a proxy port out of range is refused', args: ['-x', 'proxy.invalid:99999', 'http://example.invalid/'], expect: ['refused'] },
  { name: 'a pre-proxy with an unknown scheme is refused', args: ['--preproxy', 'ftp://pre.invalid', 'http://example.invalid/'], expect: ['refused'] },
  { name: 'a no-proxy entry exempts a URL before the proxy is checked', args: ['-x', 'ftp://proxy.invalid', '--noproxy', 'example.invalid', 'http://example.invalid/'], expect: ['direct example.invalid'] },

  // Environment proxies: the variable per scheme
  { name: 'http_proxy serves http URLs', args: ['http://example.invalid/'], env: { http_proxy: 'env.invalid' }, expect: ['proxy env.invalid'] },
  { name: 'upper-case HTTP_PROXY is ignored, all_proxy is used', args: ['http://example.invalid/'], env: { HTTP_PROXY: 'upper.invalid', all_proxy: 'all.invalid' }, expect: ['proxy all.invalid'] },
  { name: 'HTTPS_PROXY serves https URLs', args: ['https://example.invalid/', 'http://other.invalid/'], env: { HTTPS_PROXY: 'tls.invalid' }, expect: ['proxy tls.invalid', 'direct other.invalid'] },
  { name: 'https_proxy wins over HTTPS_PROXY', args: ['https://example.invalid/'], env: { HTTPS_PROXY: 'upper.invalid', https_proxy: 'lower.invalid' }, expect: ['proxy lower.invalid'] },
  { name: 'all_proxy wins over ALL_PROXY', args: ['http://example.invalid/'], env: { ALL_PROXY: 'upper.invalid', all_proxy: 'lower.invalid' }, expect: ['proxy lower.invalid'] },
  { name: 'an empty http_proxy falls back to all_proxy', args: ['http://example.invalid/'], env: { http_proxy: '', all_proxy: 'all.invalid' }, expect: ['proxy all.invalid'] },
  { name: 'ftp_proxy serves ftp URLs and scheme-less ftp. hosts', args: ['ftp://example.invalid/', 'ftp.files.invalid', 'other.invalid'], env: { ftp_proxy: 'socks5h://ftpx.invalid' }, expect: ['proxy ftpx.invalid', 'proxy ftpx.invalid', 'direct other.invalid'] },
  { name: 'an -x proxy hides the environment proxy', args: [...P, 'http://example.invalid/'], env: { http_proxy: 'env.invalid' }, expect: ['proxy proxy.invalid'] },
  { name: 'environment proxies apply in every segment', args: [...P, 'http://example.invalid/', '--next', 'http://other.invalid/'], env: { all_proxy: 'all.invalid' }, expect: ['proxy proxy.invalid', 'proxy all.invalid'] },

  // No-proxy rules (lib/noproxy.c)
  { name: 'no-proxy: an exact name', args: [...P, '--noproxy', 'example.invalid', 'http://example.invalid/'], expect: ['direct example.invalid'] },
  { name: 'no-proxy: a suffix on a label boundary', args: [...P, '--noproxy', 'example.invalid', 'http://www.example.invalid/'], expect: ['direct www.example.invalid'] },
  { name: 'no-proxy: a suffix off a label boundary does not match', args: [...P, '--noproxy', 'example.invalid', 'http://nonexample.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: a longer entry does not match a shorter host', args: [...P, '--noproxy', 'nonexample.invalid', 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: a leading dot is ignored', args: [...P, '--noproxy', '.example.invalid', 'http://example.invalid/', 'http://www.example.invalid/'], expect: ['direct example.invalid', 'direct www.example.invalid'] },
  { name: 'no-proxy: a trailing dot on the entry is ignored', args: [...P, '--noproxy', 'example.invalid.', 'http://example.invalid/'], expect: ['direct example.invalid'] },
  { name: 'no-proxy: a trailing dot on the host is ignored', args: [...P, '--noproxy', 'example.invalid', 'http://example.invalid./'], expect: ['direct example.invalid.'] },
  { name: 'no-proxy: only one dot is ignored at each end', args: [...P, '--noproxy', 'example.invalid..,..example.invalid', 'http://example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: names compare without case', args: [...P, '--noproxy', 'EXAMPLE.Invalid', 'http://www.Example.INVALID/'], expect: ['direct www.Example.INVALID'] },
  { name: 'no-proxy: a top-level label matches everything under it', args: [...P, '--noproxy', 'invalid', 'http://example.invalid/'], expect: ['direct example.invalid'] },
  { name: 'no-proxy: a wildcard label is not a pattern', args: [...P, '--noproxy', '*.example.invalid', 'http://www.example.invalid/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: * alone exempts every host', args: [...P, '--noproxy', '*', 'http://example.invalid/', 'http://127.0.0.5/'], expect: ['direct example.invalid', 'direct 127.0.0.5'] },
  { name: 'no-proxy: * inside a list or padded is an ordinary entry', args: [...P, '--noproxy', '*,other.invalid', 'http://example.invalid/', '--next', ...P, '--noproxy', ' *', 'http://example.invalid/'], expect: ['proxy proxy.invalid', 'proxy proxy.invalid'] },
  { name: 'no-proxy: blanks and tabs around commas are skipped', args: [...P, '--noproxy', ' a.invalid , other.invalid\t,\texample.invalid ', 'http://example.invalid/', 'http://other.invalid/', 'http://c.invalid/'], expect: ['direct example.invalid', 'direct other.invalid', 'proxy proxy.invalid'] },
  { name: 'no-proxy: an exact IPv4 address', args: [...P, '--noproxy', '127.0.0.5', 'http://127.0.0.5/', 'http://127.0.0.6/'], expect: ['direct 127.0.0.5', 'proxy proxy.invalid'] },
  { name: 'no-proxy: an IPv4 CIDR range', args: [...P, '--noproxy', '127.0.0.0/8', 'http://127.9.8.7/', '--next', ...P, '--noproxy', '127.0.0.5/32', 'http://127.0.0.5/', 'http://127.0.0.6/'], expect: ['direct 127.9.8.7', 'direct 127.0.0.5', 'proxy proxy.invalid'] },
  { name: 'no-proxy: a range written from a host address still matches its network', args: [...P, '--noproxy', '127.0.0.9/8', 'http://127.0.0.5/'], expect: ['direct 127.0.0.5'] },
  { name: 'no-proxy: /0 and over-long prefixes', args: [...P, '--noproxy', '0.0.0.0/0,127.0.0.0/33', 'http://127.0.0.5/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: an IPv4 entry does not match a host written with a trailing dot', args: [...P, '--noproxy', '127.0.0.0/8', 'http://127.0.0.5./'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: an IPv6 literal matches as written', args: [...P, '--noproxy', '::1', 'http://[::1]:81/'], expect: ['direct ::1'] },
  { name: 'no-proxy: IPv6 CIDR and bracketed entries do not match [::1] in 7.88', args: [...P, '--noproxy', '::1/128,[::1]', 'http://[::1]:81/'], expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: a port in the entry is not stripped', args: ['http://example.invalid:8080/'], env: { http_proxy: 'env.invalid', NO_PROXY: 'example.invalid:8080' }, expect: ['proxy env.invalid'] },
  { name: 'no-proxy: the list exempts the pre-proxy too', args: ['--preproxy', 'socks5://pre.invalid', ...P, '--noproxy', 'example.invalid', 'http://example.invalid/'], expect: ['direct example.invalid'] },
  { name: 'no_proxy applies to the -x proxy', args: [...P, 'http://example.invalid/'], env: { no_proxy: 'example.invalid' }, expect: ['direct example.invalid'] },
  { name: 'NO_PROXY=* exempts the environment proxy', args: ['http://example.invalid/'], env: { http_proxy: 'env.invalid', NO_PROXY: '*' }, expect: ['direct example.invalid'] },
  { name: 'no_proxy wins over NO_PROXY', args: [...P, 'http://example.invalid/', 'http://other.invalid/'], env: { no_proxy: 'other.invalid', NO_PROXY: 'example.invalid' }, expect: ['proxy proxy.invalid', 'direct other.invalid'] },
  { name: 'an empty no_proxy falls back to NO_PROXY', args: [...P, 'http://example.invalid/'], env: { no_proxy: '', NO_PROXY: 'example.invalid' }, expect: ['direct example.invalid'] },
  { name: '--noproxy wins over no_proxy, even when empty', args: [...P, '--noproxy', '', 'http://example.invalid/'], env: { no_proxy: 'example.invalid' }, expect: ['proxy proxy.invalid'] },
  { name: 'no-proxy: a lone comma lists nothing and still overrides no_proxy', args: [...P, '--noproxy', ',', 'http://example.invalid/'], env: { no_proxy: 'example.invalid' }, expect: ['proxy proxy.invalid'] },
  { name: '--noproxy is per segment', args: [...P, '--noproxy', 'example.invalid', 'http://example.invalid/', '--next', ...P, 'http://example.invalid/'], expect: ['direct example.invalid', 'proxy proxy.invalid'] },

  // Where curl versions differ: 7.88.1 as the oracle shows it, and the rule's deliberate side
  {
    name: 'no-proxy: blanks alone separate entries in 7.88.1 only',
    args: [...P, '--noproxy', 'other.invalid example.invalid', 'http://example.invalid/'],
    expect: ['direct example.invalid'],
    versionDependent: { rule: ['proxy proxy.invalid'], why: 'current curl stops reading the list after other.invalid' },
  },
  {
    name: 'no-proxy: a prefix length with trailing junk is read by atoi in 7.88.1 only',
    args: [...P, '--noproxy', '127.0.0.0/8x', 'http://127.0.0.5/'],
    expect: ['direct 127.0.0.5'],
    versionDependent: { rule: ['proxy proxy.invalid'], why: 'current curl refuses the entry' },
  },
  {
    name: 'no-proxy: a dot around an IPv6 entry is ignored in 7.88.1 only',
    args: [...P, '--noproxy', '::1.', 'http://[::1]:81/'],
    expect: ['direct ::1'],
    versionDependent: { rule: ['proxy proxy.invalid'], why: 'current curl compares addresses, and ::1. is not one' },
  },
];
