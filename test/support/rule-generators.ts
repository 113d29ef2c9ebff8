import type { RuleInput, RuleOptions } from '../../src/rule/types.js';
import type { Random } from './random.js';

/**
 * The rule's generated and hostile events, shared by the rule's property tests
 * (test/unit/rule/properties.test.ts) and the proof that the argv push-down fetches every
 * match (test/integration/argv-pushdown.test.ts): random process events over curl's proxy
 * grammar, dense lines of the analytic's fragments, and megabyte-sized pathological families.
 */

/** A megabyte, in characters. */
export const MB = 1024 * 1024;

/** The generators draw from the shared seeded PRNG (random.ts). */
type Gen = Random;

/** Each case has a seed of its own, so one case can be regenerated without the others. */
export function caseSeed(base: number, index: number): number {
  return (Math.imul(base ^ 0x85ebca6b, 0x9e3779b1) + Math.imul(index + 1, 0x27d4eb2f)) >>> 0;
}

/** Words that matter to curl's proxy grammar, to the analytic's patterns, or to the shell. */
const CURL_TOKENS = [
  'curl', '/usr/bin/curl', 'CURL', 'Curl', './curl', '-x', '-X', '-xhost:1080', '-sSx', '-sSX', '-x=p', '--proxy', '--proxy=',
  '--proxy=http://h:3128', '--PROXY', '--Proxy', '--prox', '--proxy1.0', '--preproxy', '--pre', '--PREPROXY', '--socks5-hostname',
  '--socks5', '--socks4', '--socks4a', '--socks5-h', '--sock', 'socks5h://', 'socks5://', 'socks4://', 'socks4a://', 'socks://',
  'SOCKS5H://H', 'http://', 'https://', 'socks5h://u:p@h:1080', 'h:1080', 'http://proxy:3128', 'https://example.com', '[::1]:1080',
  '--noproxy', '*', "'*'", '-K', '--config', '-Kfile', '--next', '-:', '--', '-', 'env', '/usr/bin/env', 'ENV', '-S', '-i', '-u',
  'sh', '-c', 'bash', 'ALL_PROXY=socks5://e:1', 'https_proxy=http://c:1', 'NO_PROXY=*', 'no_proxy=a', '$VAR', '${HTTPS_PROXY}',
  '$(curl -x p)', '`x`', '=', '--variable', 'v=socks5://q', '%ALL_PROXY', '--expand-proxy', '{{v}}', '\\{{v}}', '--no-proxy',
  '--proxy-user', 'u:p', '-U', '-p', '--haproxy-protocol', '--proxytunnel', '-H', 'X-Proxy: socks5://h', '-d', 'a=b', 'POST',
  '--url', '-V', '--help', '-o', '/dev/null', 'wget', '-e', 'use_proxy=yes',
  // No-proxy lists and the URL hosts they are compared with.
  'a,b', ' a , b', 'a b', '.a', 'a.', '10.0.0.0/8', '10.1', '[::1]', '::1', 'http://a/', 'https://[::1]:1/', 'ftp.a', 'u:p@a:1', 'http://{a,b}/',
  '-g', '--globoff', '--proto-default', '--unix-socket', 'file:///x', '--expand-url', 'http://{{v}}/',
];

/** Characters that trip up splitters, lower-casing and string handling. */
const NOISE = [
  "'", '"', '\\', '\\\n', '\0', '\t', '\n', '\r', '\uD800', '\uDFFF', '\uDBFF\uDFFF', '\uFFFD', '\uFEFF',
  '\u0130', // İ: lower-cases to two characters (i + combining dot)
  '\u1E9E', // ẞ: lower-cases to ß
  '\u212A', // Kelvin sign: lower-cases to ASCII k
  '\u212B', // Angstrom sign: lower-cases to å
  '\u017F', // long s: upper-cases to ASCII S, lower-case stays itself
  '\u0131', // dotless i: upper-cases to ASCII I
  '\uFB02', // ﬂ: upper-cases to FL
  '\u03A3', // Σ: lower-case depends on context (final sigma)
  'é', '=', '*', '$', ' ', '-', '--', '://', ':', '/', '@',
];

/** Short runs the analytic's patterns are made of, for dense boundary cases. */
const FRAGMENTS = [
  '-', '-', 'x', 'X', ' ', ' ', 's', 'S', 'o', 'c', 'k', 'K', '4', '5', 'a', 'h', 'H', ':', '/', '//', 'p', 'r', 'e', 'y',
  '-x', '-x ', '--', '--proxy', '--PROXY', 'proxy', 'pre', '--preproxy', 'socks', 'socks5', 'socks4', '://', '\t', '\n', '\0',
  'curl ', '\u212A', '\u0130', '\u017F', '\u1E9E', '\uD800', "'", '"', '\\',
];

const NAMES: readonly (string | undefined)[] = [
  'curl', 'curl', 'curl', 'CURL', 'Curl', 'cUrL', 'wget', 'sysmon', undefined, 'env', 'bash', '', 'curl ', ' curl', 'curl\0',
  '/usr/bin/curl', 'curls', 'cur', 'cur\u212A', 'c\u0131rl', 'CUR\u0130', '\uFB02', 'cur\uFB02', '\uD800url',
];
const PATHS: readonly (string | undefined)[] = [undefined, undefined, '/usr/bin/curl', '/usr/bin/CURL', '/usr/bin/env', '/bin/bash', '/usr/bin/wget', '', 'curl'];
const ENV_ENTRIES = [
  'http_proxy=http://c:1', 'HTTPS_PROXY=http://c:1', 'ALL_PROXY=socks5h://p', 'all_proxy=', 'NO_PROXY=*', 'no_proxy=a,b', 'X=1',
  '=bad', 'novalue', 'https_proxy=socks5://\uD800', 'PATH=/usr/bin',
];

/** Changes the case of a token, or its characters, or quotes it, or puts odd characters into it. */
function mutate(g: Gen, token: string): string {
  const r = g.next();
  if (r < 0.55) return token;
  if (r < 0.63) return token.toUpperCase();
  if (r < 0.71) return [...token].map((c) => (g.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  if (r < 0.78) {
    // A case-changing non-ASCII look-alike in place of one letter (socKs5 with a Kelvin sign...).
    const swaps: Record<string, string> = { k: '\u212A', K: '\u212A', s: '\u017F', i: '\u0131', I: '\u0130', a: '\u212B' };
    const at = g.int(0, Math.max(1, token.length) - 1);
    const swap = swaps[token[at] ?? ''];
    return swap === undefined ? token : token.slice(0, at) + swap + token.slice(at + 1);
  }
  if (r < 0.86) {
    const quote = g.pick(["'", '"']);
    return g.chance(0.8) ? `${quote}${token}${quote}` : `${quote}${token}`; // sometimes unbalanced
  }
  if (r < 0.92) {
    const at = g.int(0, token.length);
    return token.slice(0, at) + g.pick(NOISE) + token.slice(at);
  }
  return `${token}${g.pick(['=', '=', ':', '\\', '"', "'"])}${g.chance(0.5) ? g.pick(CURL_TOKENS) : ''}`;
}

/** One word of a random command line. */
function word(g: Gen): string {
  const r = g.next();
  if (r < 0.62) return mutate(g, g.pick(CURL_TOKENS));
  if (r < 0.82) return g.pick(NOISE);
  if (r < 0.88) {
    // Long runs of the characters parsers loop over.
    const unit = g.pick(['-', ' ', "'", '"', '\\', `'"`, '-x', 'x', '=', '\t', '{{']);
    return unit.repeat(g.int(1, g.chance(0.2) ? 2000 : 200));
  }
  let text = '';
  for (let k = g.int(1, 8); k > 0; k--) text += g.pick(FRAGMENTS);
  return text;
}

const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '', '\t', '\n', '\0', ' \\\n ', '\r\n'];
const PROGRAMS = ['curl', 'curl', '/usr/bin/curl', 'CURL', 'env curl', 'env -S "curl', '/usr/bin/env -i curl', 'sh -c "curl', 'A=1 curl', 'http_proxy=h:1 curl', '', ''];

function words(g: Gen): string[] {
  return Array.from({ length: g.int(0, 12) }, () => word(g));
}

function joinWords(g: Gen, list: readonly string[]): string {
  let text = '';
  list.forEach((w, k) => {
    text += (k === 0 ? '' : g.pick(SEPARATORS)) + w;
  });
  return text;
}

/** A random process event: curl or not, command line and/or args, sometimes an environment. */
export function genInput(g: Gen): RuleInput {
  const input: RuleInput = {};
  const name = g.pick(NAMES);
  if (name !== undefined || g.chance(0.5)) input.processName = name;
  const path = g.pick(PATHS);
  if (path !== undefined) input.processPath = path;
  const list = words(g);
  const program = g.pick(PROGRAMS);
  const argv = program === '' || g.chance(0.15) ? list : [...program.split(' '), ...list];
  const shape = g.next();
  if (shape < 0.35) {
    input.commandLine = joinWords(g, argv);
  } else if (shape < 0.55) {
    input.args = argv; // args only, no command line
  } else if (shape < 0.7) {
    input.args = argv;
    input.commandLine = argv.join(' ');
  } else if (shape < 0.8) {
    input.args = argv;
    input.commandLine = joinWords(g, words(g)); // disagreeing fields: each mode picks its own
  } else if (shape < 0.85) {
    input.commandLine = undefined; // explicitly undefined, with args present or empty
    input.args = g.chance(0.5) ? argv : [];
  } else if (shape < 0.9) {
    input.commandLine = '';
    if (g.chance(0.5)) input.args = argv;
  } else if (shape < 0.95) {
    input.commandLine = `${g.pick(['', ' ', '\t', '--proxy', '--PROXY ', '-x '])}${joinWords(g, list)}`;
  } else if (g.chance(0.5)) {
    input.args = [];
  }
  if (g.chance(0.12)) input.envVars = Array.from({ length: g.int(1, 4) }, () => g.pick(ENV_ENTRIES));
  return input;
}

/** Dense text over the analytic's own fragments: lands on the patterns' edges far more often. */
export function genFragmentInput(g: Gen): RuleInput {
  let text = '';
  for (let k = g.int(0, 29); k > 0; k--) text += g.pick(FRAGMENTS);
  const name = g.pick(['curl', 'CURL', 'Curl', 'wget']);
  return g.chance(0.8) ? { processName: name, commandLine: text } : { processName: name, args: text.split(g.pick([' ', '-', 'x'])) };
}


/** `unit` repeated to about `size` characters (whole units, so the last one is not cut). */
export const times = (unit: string, size = MB): string => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
/** A curl process whose command line is `commandLine`. */
export const line = (commandLine: string, extra: Partial<RuleInput> = {}): RuleInput => ({ processName: 'curl', commandLine, ...extra });

/** A hostile event family: one megabyte-sized event and, where curl's grammar makes it plain, its argv decision. */
export interface Family {
  name: string;
  make: () => RuleInput;
  /** The argv decision, where it is plain from curl's grammar. */
  argv?: boolean;
  /** Options for argv mode other than the defaults. */
  options?: Partial<RuleOptions>;
}

/** Families not already in robustness.test.ts (which has noise, -x p:1, -X X, runs of one quote, \, -, --p..., --next args). */
export const FAMILIES: readonly Family[] = [
  { name: "'-x' glued a megabyte long (one cluster: -x takes the rest)", make: () => line(`curl ${times('-x')}`), argv: true },
  { name: "'-x ' repeated (each -x takes the next -x as its value)", make: () => line(`curl ${times('-x ')}`) },
  { name: "'-x' in 500,000 separate args", make: () => ({ processName: 'curl', args: ['curl', ...Array<string>(MB / 2).fill('-x')] }) },
  { name: 'alternating single and double quotes', make: () => line(`curl ${times(`'"`)}`) },
  { name: 'an open double quote full of escaped double quotes', make: () => line(`curl "${times('\\"')}`) },
  { name: "many small quoted pieces glued into one word ('a'...)", make: () => line(`curl ${times("'a'")}`) },
  { name: 'escaped spaces: one word built a character at a time', make: () => line(`curl -x ${times('\\ ')}`), argv: true },
  { name: 'backslash-newline continuations', make: () => line(`curl -x p ${times('\\\n')}`), argv: true },
  { name: "'socks5:/' repeated (almost the analytic's pattern, everywhere)", make: () => line(`curl ${times('socks5:/')}`) },
  { name: "'socks5h://' repeated (the pattern everywhere, as a proxy value)", make: () => line(`curl -x ${times('socks5h://')}`) },
  { name: "'--proxy' glued a megabyte long (one unknown long option)", make: () => line(`curl ${times('--proxy')}`), argv: false },
  { name: "'--proxy ' repeated (each takes the next as its value)", make: () => line(`curl ${times('--proxy ')}`) },
  { name: "'--preproxy ' repeated", make: () => line(`curl ${times('--preproxy ')}`) },
  { name: "'--proxy=' glued (an =value that is itself --proxy=...)", make: () => line(`curl ${times('--proxy=')} https://a`) },
  { name: "'--no-' and '--expand-' glued", make: () => line(`curl ${times('--no-', MB / 2)} ${times('--expand-', MB / 2)}`) },
  { name: "lone dashes '- ' repeated", make: () => line(`curl ${times('- ')}`), argv: false },
  { name: "'curl -x ' repeated", make: () => line(times('curl -x ')) },
  { name: 'no process name: the program word decides, on a megabyte of curl -x', make: () => ({ commandLine: `curl ${times('-x p ')}` }), argv: true },
  { name: 'an unbalanced double quote before a megabyte of backslashes and text', make: () => line(`curl -x "socks5://p ${times('a\\b')}`), argv: true },
  { name: 'an unbalanced single quote before a megabyte of double quotes', make: () => line(`curl -x 'socks5://p ${times('"')}`), argv: true },
  { name: 'NUL-separated words (/proc cmdline) a megabyte long', make: () => line(`curl${times('\0-x\0p')}`), argv: true },
  { name: 'tabs and newlines between -X options', make: () => line(`curl ${times('\t\n-X')}`), argv: false },
  { name: 'a megabyte of NAME=value words before curl', make: () => line(`${times('A=1 ')}curl -x p https://a`), argv: true },
  { name: 'a megabyte of proxy variables before curl', make: () => line(`${times('https_proxy=http://h:1 ')}curl https://a`), argv: true },
  { name: "env with a megabyte of '-S ' (nested split strings)", make: () => ({ processName: 'env', commandLine: `env ${times('-S ')}curl -x p https://a` }) },
  { name: 'env with a megabyte of -u NAME', make: () => ({ processName: 'env', commandLine: `env ${times('-u x ')}curl -x p https://a` }), argv: true },
  { name: 'env with a megabyte of assignments', make: () => ({ processName: 'env', commandLine: `env ${times('A=1 ')}curl -x p https://a` }), argv: true },
  { name: 'a megabyte of {{v}} in an --expand-proxy value', make: () => line(`curl --variable v=socks5://q --expand-proxy ${times('{{v}}')} https://a`), argv: true },
  { name: 'a megabyte of unclosed {{ and escaped \\{{', make: () => line(`curl --variable v=q --expand-proxy ${times('{{', MB / 2)}${times('\\{{', MB / 2)} https://a`) },
  { name: 'a megabyte of --variable definitions', make: () => line(`curl ${times('--variable a=b ')}--expand-proxy {{a}} https://a`), argv: true },
  { name: "a proxy value of a megabyte of '@:'", make: () => line(`curl -x socks5://${times('@:')} https://a`) },
  { name: "a proxy value of a megabyte of '[:'", make: () => line(`curl -x [${times('[:')} https://a`) },
  { name: 'a proxy port of a megabyte of digits', make: () => line(`curl -x h:${times('9')} https://a`) },
  { name: 'a megabyte of --noproxy lists that list the host', make: () => line(`curl -x p:1 --noproxy ${times('a,')} https://a`), argv: false },
  { name: 'a megabyte of --noproxy lists that do not list the host', make: () => line(`curl -x p:1 --noproxy ${times('a,')} https://b`), argv: true },
  // A list of n entries and n URLs: the check must not be list x URLs.
  { name: '100,000 no-proxy entries against 100,000 URLs', make: () => line(`curl -x p:1 --noproxy ${times('h.x,', MB / 2)} ${times('http://a.b.c.d/ ', MB / 2)}`), argv: true },
  { name: '50,000 CIDR entries against 30,000 IPv4 URLs', make: () => line(`curl -x p:1 --noproxy ${times('10.9.0.0/16,', MB / 2)} ${times('10.1.2.3 ', MB / 2)}`), argv: true },
  { name: 'IPv6 entries against bracketed IPv6 URLs', make: () => line(`curl -x p:1 --noproxy ${times('::2,', MB / 2)} ${times('[::1]:1 ', MB / 2)}`), argv: true },
  { name: 'host names of 250 labels against parent-domain entries', make: () => line(`curl -x p:1 --noproxy ${times('b.a,', MB / 2)} ${times(`${'a.'.repeat(120)}x `, MB / 2)}`), argv: true },
  { name: 'one URL of a megabyte of dots', make: () => line(`curl -x p:1 --noproxy a http://${times('.')}`), argv: true },
  { name: 'a megabyte of blank-separated no-proxy names', make: () => line(`curl -x p:1 --noproxy '${times('a ')}' https://a`), argv: false },
  { name: 'a megabyte of URL globs under a no-proxy list', make: () => line(`curl -x p:1 --noproxy a ${times('http://{a,b}/ ')}`), argv: true },
  { name: "a megabyte of '-: ' (--next without URLs)", make: () => line(`curl ${times('-: ')}`), argv: false },
  { name: "a megabyte of '-K f ' (config files)", make: () => line(`curl ${times('-K f ')}`), argv: false },
  { name: 'half a million empty URL args under an environment proxy', make: () => ({ processName: 'curl', args: ['curl', ...Array<string>(MB / 2).fill('')], envVars: ['http_proxy=http://p:1'] }), argv: true },
  { name: 'one argument of a megabyte', make: () => ({ processName: 'curl', args: ['curl', `-x${times('a')}`] }), argv: true },
  { name: 'case-changing non-ASCII (Kelvin, İ, ẞ): lower-casing changes the length', make: () => line(`curl ${times('\u212A\u0130\u1E9E ')}-x h`) },
  { name: 'lone surrogates before every -x', make: () => line(`curl ${times('\uD800-x ')}`) },
  { name: 'process name CURL with a megabyte of mixed tokens', make: () => ({ processName: 'CURL', commandLine: `curl ${times("-x 'socks5h://p' --proxy \"a\\b\" -X ")}` }) },
];

/**
 * Found by this file: decideArgv once pushed one note per transfer with no cap, so 5,000
 * transfers made a 400 KB verdict and a 1 MB command line a 3.5 MB one. Notes are capped now.
 */
export const TRANSFER_FAMILIES: readonly Family[] = [
  { name: 'many transfers under a partial NO_PROXY list keep the verdict small', make: () => line(`curl ${times('-x p:1 https://a --next ')}`, { envVars: ['NO_PROXY=b'] }), argv: true },
  { name: 'many transfers exempted by NO_PROXY keep the verdict small', make: () => line(`curl ${times('-x p:1 https://a --next ')}`, { envVars: ['NO_PROXY=a'] }), argv: false },
  {
    name: 'many long URLs through long proxies under a long list keep the verdict small',
    make: () => line(`curl --preproxy socks5://${'s'.repeat(600)}:1 -x ftp://${'p'.repeat(600)} --noproxy '${'n'.repeat(600)} x' ${times(`https://u:p@${'h'.repeat(250)}.example/${'q'.repeat(400)} `)}`),
    argv: true,
  },
  {
    name: "many transfers with --noproxy '*' and noproxyStarDisables false keep the verdict small",
    make: () => line(`curl ${times("--noproxy '*' -x p:1 https://a --next ")}`),
    argv: true,
    options: { noproxyStarDisables: false },
  },
];
