import type { ProxyUse, RuleInput, UrlRoute } from '../../../src/rule/types.js';

/**
 * The shared table of process events with the expected verdict in both modes. Sources: curl's
 * docs/cmdline-opts examples and man page, the facts table of curl's proxy grammar
 * (shared/reference/curl-ecs-bullmq-facts.md §3.5) and issue 3. Used by the argv and splunk
 * tests and by the prefilter soundness test.
 */
export interface RuleCase {
  /** A sentence: what the case shows. */
  name: string;
  input: RuleInput;
  argv: {
    match: boolean;
    isCurl?: boolean;
    /** Expected proxies, in order; only the given fields are compared. */
    proxies?: Partial<ProxyUse>[];
    /** Expected URL routes, in order; only the given fields are compared. */
    routes?: Partial<UrlRoute>[];
    /** A substring of some near-miss token or reason. */
    nearMiss?: string;
    /** A substring of the reason. */
    reason?: string;
    /** A substring of some note. */
    note?: string;
  };
  /** splunk mode: whether the analytic matches, and optionally which patterns hit. */
  splunk: { match: boolean; patterns?: string[] };
}

/** A curl process event with only a command line (Sysmon for Linux style). */
export function curlLine(commandLine: string, extra: Partial<RuleInput> = {}): RuleInput {
  return { processName: 'curl', processPath: '/usr/bin/curl', commandLine, ...extra };
}

/** A curl process event with exact argv (Elastic Defend style); the command line is argv joined. */
export function curlArgs(args: string[], extra: Partial<RuleInput> = {}): RuleInput {
  return { processName: 'curl', processPath: '/usr/bin/curl', args, commandLine: args.join(' '), ...extra };
}

const yes = (patterns?: string[]) => (patterns === undefined ? { match: true } : { match: true, patterns });
const no = { match: false };

export const RULE_CASES: readonly RuleCase[] = [
  // --- curl's documentation examples ---
  {
    name: 'the --proxy man page example uses an HTTP proxy',
    input: curlLine('curl --proxy http://proxy.example:8080 https://example.com'),
    argv: { match: true, proxies: [{ option: '--proxy', canonical: '--proxy', scheme: 'http', host: 'proxy.example', port: 8080 }] },
    splunk: no,
  },
  {
    name: 'curl -x with an http:// proxy is a proxy in both modes',
    input: curlLine('curl -x http://proxy:8080 https://example.com'),
    argv: { match: true, proxies: [{ option: '-x', canonical: '--proxy', url: 'http://proxy:8080', scheme: 'http', host: 'proxy', port: 8080, source: 'command_line' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the --preproxy example chains a SOCKS5 pre-proxy and an HTTP proxy',
    input: curlLine('curl --preproxy socks5://proxy.example -x http://proxy2.example https://example.com'),
    argv: {
      match: true,
      proxies: [
        { option: '--preproxy', scheme: 'socks5', host: 'proxy.example', port: 1080 },
        { option: '-x', scheme: 'http', host: 'proxy2.example', port: 1080 },
      ],
    },
    splunk: yes(['*-x *', '*socks5://*', '*--preproxy *']),
  },
  {
    name: 'the --socks5-hostname example is a SOCKS5h proxy that the analytic misses',
    input: curlLine('curl --socks5-hostname proxy.example:7000 https://example.com'),
    argv: { match: true, proxies: [{ option: '--socks5-hostname', scheme: 'socks5h', host: 'proxy.example', port: 7000 }] },
    splunk: no,
  },
  {
    name: 'the --socks4 example is a SOCKS4 proxy',
    input: curlLine('curl --socks4 hostname:4096 https://example.com'),
    argv: { match: true, proxies: [{ option: '--socks4', scheme: 'socks4', host: 'hostname', port: 4096 }] },
    splunk: no,
  },
  {
    name: 'the --socks4a example is a SOCKS4a proxy',
    input: curlLine('curl --socks4a hostname:4096 https://example.com'),
    argv: { match: true, proxies: [{ option: '--socks4a', scheme: 'socks4a', host: 'hostname', port: 4096 }] },
    splunk: no,
  },
  {
    name: 'the --socks5 example is a SOCKS5 proxy',
    input: curlLine('curl --socks5 proxy.example:7000 https://example.com'),
    argv: { match: true, proxies: [{ option: '--socks5', scheme: 'socks5', host: 'proxy.example', port: 7000 }] },
    splunk: no,
  },
  {
    name: '--proxy1.0 is an HTTP proxy on curl\'s default port',
    input: curlLine('curl --proxy1.0 proxy.example https://example.com'),
    argv: { match: true, proxies: [{ option: '--proxy1.0', canonical: '--proxy1.0', scheme: 'http', host: 'proxy.example', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'the --proxy-user example still uses the proxy given by -x',
    input: curlLine('curl --proxy-user smith:secret -x proxy https://example.com'),
    argv: { match: true, proxies: [{ option: '-x', scheme: 'http', host: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'curl -U user:pass -x uses the proxy and keeps the credentials out of the verdict',
    input: curlLine('curl -U user:pass -x http://proxy.example:3128 https://example.com'),
    argv: { match: true, proxies: [{ url: 'http://proxy.example:3128', host: 'proxy.example', port: 3128 }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a --noproxy host list does not turn the proxy off for other hosts',
    input: curlLine('curl --noproxy example.com -x http://proxy.example:8080 https://example.org'),
    argv: {
      match: true,
      proxies: [{ host: 'proxy.example', port: 8080, refused: null }],
      routes: [{ segment: 1, url: 'https://example.org', host: 'example.org', route: 'proxy', firstHop: { option: '-x', host: 'proxy.example', port: 8080 } }],
      note: 'exempts only the hosts listed',
    },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the --proxytunnel example tunnels through the proxy given by -x',
    input: curlLine('curl --proxytunnel -x http://proxy https://example.com'),
    argv: { match: true, proxies: [{ option: '-x', host: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the --proxy-header example still uses the proxy given by -x',
    input: curlLine('curl --proxy-header "X-First-Name: Joe" -x http://proxy https://example.com'),
    argv: { match: true, proxies: [{ option: '-x', host: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an https:// proxy defaults to port 443',
    input: curlLine('curl --proxy-insecure -x https://proxy https://example.com'),
    argv: { match: true, proxies: [{ scheme: 'https', host: 'proxy', port: 443 }] },
    splunk: yes(['*-x *']),
  },
  {
    name: '--socks5-basic with --socks5 uses the SOCKS5 proxy',
    input: curlLine('curl --socks5-basic --socks5 hostname:4096 https://example.com'),
    argv: { match: true, proxies: [{ option: '--socks5', scheme: 'socks5', host: 'hostname', port: 4096 }] },
    splunk: no,
  },
  {
    name: 'a SOCKS5h proxy over a Unix socket is a proxy on localhost',
    input: curlLine('curl --proxy socks5h://localhost/path/to/socket.sock https://example.com'),
    argv: { match: true, proxies: [{ scheme: 'socks5h', host: 'localhost' }] },
    splunk: yes(['*socks5h://*']),
  },
  {
    name: 'the --request example (-X DELETE) is not a proxy but fires the analytic',
    input: curlLine('curl -X "DELETE" https://example.com'),
    argv: { match: false, nearMiss: '--request (the HTTP method)' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the --haproxy-protocol example is not a proxy',
    input: curlLine('curl --haproxy-protocol https://example.com'),
    argv: { match: false, nearMiss: 'HAProxy PROXY-protocol header' },
    splunk: no,
  },
  {
    name: '--haproxy-clientip is not a proxy',
    input: curlLine('curl --haproxy-clientip 192.0.2.1 https://example.com'),
    argv: { match: false, nearMiss: '--haproxy-clientip' },
    splunk: no,
  },
  {
    name: 'the --variable example expands a URL, not a proxy',
    input: curlLine('curl --variable name=smith --expand-url "https://example.com/{{name}}"'),
    argv: { match: false },
    splunk: no,
  },
  {
    name: 'the --proxy-http2 example uses the proxy given by -x',
    input: curlLine('curl --proxy-http2 -x proxy https://example.com'),
    argv: { match: true, proxies: [{ host: 'proxy' }] },
    splunk: yes(['*-x *']),
  },

  // --- the facts table (§3.5): the analytic's false positives and misses ---
  {
    name: 'curl -X POST is the request method: a false positive of the analytic',
    input: curlLine('curl -X POST https://a'),
    argv: { match: false, nearMiss: '-X is --request' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'curl -x http://p:3128 is found by both modes',
    input: curlLine('curl -x http://p:3128 https://a'),
    argv: { match: true, proxies: [{ host: 'p', port: 3128 }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an attached short value (-xp:3128) is a proxy the analytic misses',
    input: curlLine('curl -xp:3128 https://a'),
    argv: { match: true, proxies: [{ option: '-x', host: 'p', port: 3128 }] },
    splunk: no,
  },
  {
    name: 'a short cluster (-sSx p:3128) is a proxy the analytic misses',
    input: curlLine('curl -sSx p:3128 https://a'),
    argv: { match: true, proxies: [{ option: '-x', host: 'p', port: 3128 }] },
    splunk: no,
  },
  {
    name: 'a short cluster with an attached value (-sSxhost:1080) is a proxy',
    input: curlLine('curl -sSxhost:1080 https://a'),
    argv: { match: true, proxies: [{ option: '-x', host: 'host', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'a value-taking letter eats the rest of its word, so -xp sets the proxy "p"',
    input: curlLine('curl -xp https://a'),
    argv: { match: true, proxies: [{ option: '-x', host: 'p' }] },
    splunk: no,
  },
  {
    name: '-px sets proxytunnel and then takes the next word as the proxy',
    input: curlLine('curl -px host:1080 https://a'),
    argv: { match: true, proxies: [{ option: '-x', host: 'host', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'curl --proxy http://p:3128 is a proxy the analytic misses (--proxy* is anchored)',
    input: curlLine('curl --proxy http://p:3128 https://a'),
    argv: { match: true, proxies: [{ option: '--proxy', host: 'p', port: 3128 }] },
    splunk: no,
  },
  {
    name: 'curl --proxy socks5h://p:1080 is found by the analytic through the scheme',
    input: curlLine('curl --proxy socks5h://p:1080 https://a'),
    argv: { match: true, proxies: [{ scheme: 'socks5h', host: 'p', port: 1080 }] },
    splunk: yes(['*socks5h://*']),
  },
  {
    name: '--proxy=socks5h://p (curl 8.16+) is found by both modes',
    input: curlLine('curl --proxy=socks5h://p https://a'),
    argv: { match: true, proxies: [{ option: '--proxy=', canonical: '--proxy', scheme: 'socks5h', host: 'p' }] },
    splunk: yes(['*socks5h://*']),
  },
  {
    name: '--proxy=http://p:3128 is a proxy the analytic misses',
    input: curlLine('curl --proxy=http://p:3128 https://a'),
    argv: { match: true, proxies: [{ option: '--proxy=', host: 'p', port: 3128, evasion: '--option=value form, curl >= 8.16.0 only' }] },
    splunk: no,
  },
  {
    name: 'an upper-case scheme (SOCKS5H://) is accepted by curl and matched by both modes',
    input: curlLine('curl -x SOCKS5H://p https://a'),
    argv: { match: true, proxies: [{ scheme: 'socks5h', host: 'p' }] },
    splunk: yes(['*-x *', '*socks5h://*']),
  },
  {
    name: 'socks:// means SOCKS4 to curl',
    input: curlLine('curl -x socks://p https://a'),
    argv: { match: true, proxies: [{ scheme: 'socks4', host: 'p' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: '--noproxy "*" turns the proxy off, which the analytic ignores',
    input: curlLine("curl --noproxy '*' -x p https://a"),
    argv: { match: false, nearMiss: "--noproxy '*' turns every proxy off", reason: "--noproxy '*' turns off" },
    splunk: yes(['*-x *']),
  },
  {
    name: 'ALL_PROXY in the captured environment is a proxy the analytic cannot see',
    input: curlArgs(['curl', 'https://a'], { envVars: ['PATH=/usr/bin', 'ALL_PROXY=socks5h://p:1080'] }),
    argv: { match: true, proxies: [{ option: 'env ALL_PROXY', canonical: 'ALL_PROXY', source: 'env', scheme: 'socks5h', host: 'p', port: 1080 }] },
    splunk: no,
  },
  {
    name: '--expand-proxy with an unknown {{variable}} is a proxy with an unknown target',
    input: curlLine("curl --expand-proxy '{{p}}' https://a"),
    argv: { match: true, proxies: [{ option: '--expand-proxy', canonical: '--proxy', url: '{{p}}', scheme: null, host: null, port: null }] },
    splunk: no,
  },

  // --- the grammar (issue 3) ---
  {
    name: '-x with the value as the next word is a proxy',
    input: curlLine('curl -x host https://a'),
    argv: { match: true, proxies: [{ host: 'host', port: 1080, scheme: 'http' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: '-xhost:1080 is a proxy',
    input: curlLine('curl -xhost:1080 https://a'),
    argv: { match: true, proxies: [{ host: 'host', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'a case-changed --PROXY is an evasion that curl before 8.6.0 accepts',
    input: curlLine('curl --PROXY http://p:8080 https://a'),
    argv: { match: true, proxies: [{ option: '--PROXY', canonical: '--proxy', host: 'p', evasion: 'case-changed name of --proxy, curl < 8.6.0 only (it matched long names case-insensitively and by unique prefix)' }] },
    splunk: no,
  },
  {
    name: 'the abbreviation --preprox is an evasion that curl before 8.6.0 accepts',
    input: curlLine('curl --preprox socks5://p https://a'),
    argv: { match: true, proxies: [{ option: '--preprox', canonical: '--preproxy', scheme: 'socks5' }] },
    splunk: yes(['*socks5://*']),
  },
  {
    name: 'the abbreviation --socks5-h means --socks5-hostname to old curl',
    input: curlLine('curl --socks5-h p:1080 https://a'),
    argv: { match: true, proxies: [{ option: '--socks5-h', canonical: '--socks5-hostname', scheme: 'socks5h', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'an ambiguous abbreviation (--prox) is refused by curl',
    input: curlLine('curl --prox p https://a'),
    argv: { match: false, nearMiss: 'ambiguous abbreviation' },
    splunk: no,
  },
  {
    name: '--PROXY=value is accepted by no curl version',
    input: curlLine('curl --PROXY=socks5h://p https://a'),
    argv: { match: false, nearMiss: 'no curl version accepts' },
    splunk: yes(['*socks5h://*']),
  },
  {
    name: '--variable and --expand-proxy together reveal the proxy',
    input: curlLine("curl --variable p=socks5h://evil.example:9050 --expand-proxy '{{p}}' https://a"),
    argv: { match: true, proxies: [{ option: '--expand-proxy', url: '{{p}}', scheme: 'socks5h', host: 'evil.example', port: 9050 }] },
    splunk: yes(['*socks5h://*']),
  },
  {
    name: '--expand-preproxy with an environment-imported variable is resolved from the captured env',
    input: curlArgs(['curl', '--variable', '%PX', '--expand-preproxy', '{{PX}}', 'https://a'], { envVars: ['PX=socks5://10.0.0.9:1080'] }),
    argv: { match: true, proxies: [{ canonical: '--preproxy', scheme: 'socks5', host: '10.0.0.9', source: 'argv' }] },
    splunk: no,
  },
  {
    name: 'words after -- are URLs even when they look like -x',
    input: curlLine('curl -- -x http://p:1 https://a'),
    argv: { match: false },
    splunk: yes(['*-x *']),
  },
  {
    name: '-x consumes the next word even when it is --',
    input: curlLine('curl -x -- https://a'),
    argv: { match: true, proxies: [{ url: '--', host: '--' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: '--next starts a second transfer with its own proxy',
    input: curlLine('curl -x http://a:1 https://one --next --socks5 b:2 https://two'),
    argv: {
      match: true,
      proxies: [
        { option: '-x', host: 'a', port: 1, segment: 1 },
        { option: '--socks5', host: 'b', port: 2, segment: 2 },
      ],
    },
    splunk: yes(['*-x *']),
  },
  {
    name: '-: is the short form of --next, and --noproxy "*" applies to its own transfer only',
    input: curlLine("curl --noproxy '*' -x a:1 https://one -: -x b:2 https://two"),
    argv: { match: true, proxies: [{ host: 'b', port: 2, segment: 2 }], nearMiss: "--noproxy '*' turns every proxy off" },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the last proxy option of a transfer wins; the earlier one is a near-miss',
    input: curlLine('curl -x http://corp:3128 --socks5-hostname evil:9050 https://a'),
    argv: { match: true, proxies: [{ option: '--socks5-hostname', host: 'evil', port: 9050 }], nearMiss: 'replaced by the later --socks5-hostname' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an empty -x "" turns proxies off and is not a proxy',
    input: curlLine('curl -x "" https://a'),
    argv: { match: false, nearMiss: 'an empty --proxy turns proxies off' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an empty -x "" also turns off an environment proxy',
    input: curlArgs(['curl', '-x', '', 'https://a'], { envVars: ['https_proxy=http://corp:3128'] }),
    argv: { match: false },
    // The joined command line reads "curl -x  https://a", which "*-x *" matches.
    splunk: yes(['*-x *']),
  },
  {
    name: 'a proxy scheme curl refuses still counts (trying to tunnel is the behaviour), marked refused',
    input: curlLine('curl -x ftp://p:21 https://a'),
    argv: {
      match: true,
      proxies: [{ option: '-x', scheme: null, host: 'p', port: 21, refused: 'curl rejects the unsupported proxy scheme ftp://' }],
      routes: [{ url: 'https://a', host: 'a', route: 'proxy', firstHop: { option: '-x', host: 'p', port: 21 } }],
      reason: 'a proxy curl refuses still counts',
    },
    splunk: yes(['*-x *']),
  },
  {
    name: 'no scheme on --preproxy means SOCKS4',
    input: curlLine('curl --preproxy p:1080 -x q:3128 https://a'),
    argv: { match: true, proxies: [{ canonical: '--preproxy', scheme: 'socks4' }, { canonical: '--proxy', scheme: 'http' }] },
    splunk: yes(['*-x *', '*--preproxy *']),
  },
  {
    name: 'a scheme written in a --socks5 value overrides the option\'s type',
    input: curlLine('curl --socks5 http://p:8080 https://a'),
    argv: { match: true, proxies: [{ scheme: 'http', port: 8080 }] },
    splunk: no,
  },
  {
    name: 'an IPv6 proxy with credentials is parsed and redacted',
    input: curlLine('curl -x socks5h://user:s3cret@[2001:db8::1]:1080 https://a'),
    argv: { match: true, proxies: [{ url: 'socks5h://***@[2001:db8::1]:1080', scheme: 'socks5h', host: '2001:db8::1', port: 1080 }] },
    splunk: yes(['*-x *', '*socks5h://*']),
  },
  {
    name: 'credentials without a scheme are redacted too',
    input: curlLine('curl -x bob:hunter2@10.1.2.3:8080 https://a'),
    argv: { match: true, proxies: [{ url: '***@10.1.2.3:8080', host: '10.1.2.3', port: 8080 }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'proxy words inside a URL, a header and a data payload never match',
    input: curlLine('curl -H "X-Proxy: socks5://a:1" -d proxy=socks5h://b --data-raw "-x y" https://a/proxy?socks4a://c'),
    argv: { match: false },
    splunk: yes(['*-x *', '*socks4a://*', '*socks5h://*', '*socks5://*']),
  },
  {
    name: 'a user agent mentioning --proxy is a value, not an option',
    input: curlArgs(['curl', '-A', '--proxy socks5://x', 'https://a']),
    argv: { match: false },
    splunk: yes(['*socks5://*']),
  },
  {
    name: '-p and -U alone select no proxy',
    input: curlLine('curl -p -U u:p https://a'),
    argv: { match: false, nearMiss: 'alone it selects none' },
    splunk: no,
  },
  {
    name: '--proxy-insecure alone selects no proxy',
    input: curlLine('curl --proxy-insecure https://a'),
    argv: { match: false, nearMiss: '--proxy-insecure configures a proxy only when another option selects one' },
    splunk: no,
  },
  {
    name: 'a proxy given before --version is never used: curl prints its version and exits',
    input: curlLine('curl -x socks5://p https://a --version'),
    argv: { match: false, reason: 'print its version and exit', nearMiss: 'never used' },
    splunk: yes(['*-x *', '*socks5://*']),
  },
  {
    name: '--help at the end makes curl print help and exit, so the proxy is never used',
    input: curlLine('curl -x socks5://p https://a --help'),
    argv: { match: false, reason: 'print its help and exit' },
    splunk: yes(['*-x *', '*socks5://*']),
  },
  {
    name: '-h in a cluster makes curl print help and exit',
    input: curlLine('curl -sh -x p https://a'),
    argv: { match: false, reason: '-h makes it print its help' },
    splunk: yes(['*-x *']),
  },
  {
    name: '--no-proxy is refused by curl (only on/off options take --no-)',
    input: curlLine('curl --no-proxy p https://a'),
    argv: { match: false, reason: 'refuses --no-proxy' },
    splunk: no,
  },
  {
    name: 'an option missing its value at the end makes curl refuse the whole line',
    input: curlLine('curl -x socks5://p https://a -H'),
    argv: { match: false, reason: 'refuses -H without a value' },
    splunk: yes(['*-x *', '*socks5://*']),
  },
  {
    name: 'an en dash is not an option dash, so –x is a URL to curl',
    input: curlLine('curl –x socks4://p https://a'),
    argv: { match: false },
    splunk: yes(['*socks4://*']),
  },
  {
    name: 'a tab after -x still separates words, which the analytic\'s "-x " misses',
    input: curlLine('curl -x\tp:1080 https://a'),
    argv: { match: true, proxies: [{ host: 'p', port: 1080 }] },
    splunk: no,
  },
  {
    name: 'a -K config file is noted, since proxies may hide there',
    input: curlLine('curl -K /tmp/c.txt https://a'),
    argv: { match: false, note: 'config file' },
    splunk: no,
  },
  {
    name: 'process.args are used as is, so a quoted header value stays one word',
    input: curlArgs(['/usr/bin/curl', '-H', 'X: -x y', 'https://a']),
    argv: { match: false },
    splunk: yes(['*-x *']),
  },

  // --- environment proxies ---
  {
    name: 'http_proxy (lower case) applies to an http:// URL',
    input: curlArgs(['curl', 'http://a'], { envVars: ['http_proxy=http://corp:3128'] }),
    argv: { match: true, proxies: [{ option: 'env http_proxy', host: 'corp', port: 3128, source: 'env' }] },
    splunk: no,
  },
  {
    name: 'upper-case HTTP_PROXY is ignored by curl',
    input: curlArgs(['curl', 'http://a'], { envVars: ['HTTP_PROXY=http://corp:3128'] }),
    argv: { match: false },
    splunk: no,
  },
  {
    name: 'https_proxy does not apply to an http:// URL',
    input: curlArgs(['curl', 'http://a'], { envVars: ['https_proxy=http://corp:3128'] }),
    argv: { match: false },
    splunk: no,
  },
  {
    name: 'HTTPS_PROXY applies to an https:// URL',
    input: curlArgs(['curl', 'https://a'], { envVars: ['HTTPS_PROXY=socks5://corp:1080'] }),
    argv: { match: true, proxies: [{ option: 'env HTTPS_PROXY', scheme: 'socks5' }] },
    splunk: no,
  },
  {
    name: 'ftp_proxy applies to an ftp:// URL',
    input: curlArgs(['curl', 'ftp://files.example/x'], { envVars: ['ftp_proxy=http://corp:3128'] }),
    argv: { match: true, proxies: [{ option: 'env ftp_proxy' }] },
    splunk: no,
  },
  {
    name: 'NO_PROXY=* turns environment proxies off',
    input: curlArgs(['curl', 'https://a'], { envVars: ['all_proxy=socks5h://p', 'NO_PROXY=*'] }),
    argv: { match: false, nearMiss: "env NO_PROXY '*'" },
    splunk: no,
  },
  {
    name: 'an explicit -x overrides the environment proxy',
    input: curlArgs(['curl', '-x', 'socks5h://mine:1', 'https://a'], { envVars: ['https_proxy=http://corp:3128'] }),
    argv: { match: true, proxies: [{ option: '-x', host: 'mine', source: 'argv' }] },
    splunk: yes(['*-x *', '*socks5h://*']),
  },
  {
    name: 'without a URL curl makes no request, so environment proxies do not apply',
    input: curlArgs(['curl', '-sS'], { envVars: ['ALL_PROXY=socks5h://p'] }),
    argv: { match: false, note: 'has no URL' },
    splunk: no,
  },
  {
    name: 'env ALL_PROXY=... curl: env(1) becomes curl with that environment',
    input: { processName: 'env', processPath: '/usr/bin/env', commandLine: 'env ALL_PROXY=socks5h://p:1080 curl https://a' },
    argv: { match: true, isCurl: true, proxies: [{ option: 'env ALL_PROXY', source: 'env', scheme: 'socks5h', host: 'p' }] },
    splunk: no,
  },
  {
    name: 'env -i drops the captured environment before its own assignments',
    input: { processName: 'env', args: ['env', '-i', 'PATH=/bin', 'curl', 'https://a'], envVars: ['https_proxy=http://corp:3128'] },
    argv: { match: false, isCurl: true },
    splunk: no,
  },
  {
    name: 'env -u unsets a proxy variable',
    input: { processName: 'env', args: ['/usr/bin/env', '-u', 'all_proxy', 'curl', 'https://a'], envVars: ['all_proxy=socks5://p'] },
    argv: { match: false, isCurl: true },
    splunk: no,
  },
  {
    name: 'env -S splits its string into the command',
    input: { processName: 'env', args: ['/usr/bin/env', '-S', 'curl -x socks5://p:1 https://a'] },
    argv: { match: true, isCurl: true, proxies: [{ option: '-x', scheme: 'socks5' }] },
    splunk: no,
  },
  {
    name: 'env running a curl spelled with a backslash (c\\url) still runs curl',
    input: { processName: 'env', commandLine: 'env ALL_PROXY=socks5h://p c\\url https://a' },
    argv: { match: true, isCurl: true, proxies: [{ option: 'env ALL_PROXY' }] },
    splunk: no,
  },
  {
    name: 'env -S with a quoted program name still runs curl',
    input: { processName: 'env', args: ['/usr/bin/env', '-S', `c'u'rl -x socks5://p:1 https://a`] },
    argv: { match: true, isCurl: true, proxies: [{ option: '-x', scheme: 'socks5' }] },
    splunk: no,
  },
  {
    name: 'env running python is not curl',
    input: { processName: 'env', args: ['/usr/bin/env', 'python3', '/opt/x.py', '-x', 'socks5://p'] },
    argv: { match: false, isCurl: false },
    splunk: no,
  },
  {
    name: 'a pasted NAME=value prefix puts the proxy in curl\'s environment',
    input: curlLine('ALL_PROXY=socks5h://p curl https://a'),
    argv: { match: true, proxies: [{ option: 'env ALL_PROXY', source: 'env' }] },
    splunk: yes(['*socks5h://*']),
  },

  // --- no-proxy lists and per-URL routes (issue 10; lib/noproxy.c, checked against curl 7.88.1) ---
  {
    name: 'issue 10: --noproxy example.com sends http://example.com/ direct, so -x is never used',
    input: curlLine('curl --noproxy example.com -x p:3128 http://example.com/'),
    argv: {
      match: false,
      routes: [{ segment: 1, url: 'http://example.com/', host: 'example.com', route: 'direct', firstHop: null, reason: 'Direct: --noproxy example.com lists example.com.' }],
      nearMiss: 'never used: --noproxy example.com lists example.com',
      reason: 'a no-proxy list exempts every URL',
    },
    splunk: yes(['*-x *']),
  },
  {
    name: 'issue 10: NO_PROXY=.example.com exempts a.example.com from https_proxy',
    input: curlLine('https_proxy=http://corp:3128 NO_PROXY=.example.com curl https://a.example.com/'),
    argv: { match: false, routes: [{ host: 'a.example.com', route: 'direct', reason: 'Direct: env NO_PROXY .example.com lists a.example.com.' }], nearMiss: 'env https_proxy' },
    splunk: no,
  },
  {
    name: 'issue 10 as written: http_proxy never serves an https:// URL, listed or not',
    input: curlLine('http_proxy=http://corp:3128 NO_PROXY=.example.com curl https://a.example.com/'),
    argv: { match: false, routes: [{ route: 'direct', reason: 'Direct: no proxy option, and no proxy variable for https:// URLs.' }] },
    splunk: no,
  },
  {
    name: 'a listed domain exempts its subdomains on a label boundary only',
    input: curlLine('curl -x p:1 --noproxy example.com https://www.example.com/ https://notexample.com/'),
    argv: {
      match: true,
      routes: [
        { host: 'www.example.com', route: 'direct' },
        { host: 'notexample.com', route: 'proxy', firstHop: { option: '-x', host: 'p', port: 1 } },
      ],
    },
    splunk: yes(['*-x *']),
  },
  {
    name: 'one leading and one trailing dot are ignored, on the entry and on the host, in any case',
    input: curlLine('curl -x p:1 --noproxy .Example.COM. http://EXAMPLE.com./ http://a.example.com'),
    argv: { match: false, routes: [{ host: 'EXAMPLE.com.', route: 'direct' }, { host: 'a.example.com', route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a wildcard label is not a pattern: only the whole value * exempts every host',
    input: curlLine("curl -x p:1 --noproxy '*.example.com' http://www.example.com/ --next -x q:2 --noproxy '*,a' http://b/"),
    argv: { match: true, routes: [{ route: 'proxy' }, { segment: 2, route: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an IPv4 CIDR entry exempts the addresses in it, in any form curl accepts (10.1 is 10.0.0.1)',
    input: curlLine('curl -x p:1 --noproxy 10.0.0.0/8,192.168.1.1 http://10.1/ http://192.168.1.1:8080/ http://192.168.1.2/'),
    argv: {
      match: true,
      routes: [
        { host: '10.0.0.1', route: 'direct', reason: 'Direct: --noproxy 10.0.0.0/8,192.168.1.1 lists 10.0.0.1 (entry 10.0.0.0/8).' },
        { host: '192.168.1.1', route: 'direct' },
        { host: '192.168.1.2', route: 'proxy' },
      ],
    },
    splunk: yes(['*-x *']),
  },
  {
    name: 'CIDR bits must be digits only (curl 7.88.1 also read /8x as /8; current curl refuses it)',
    input: curlLine('curl -x p:1 --noproxy 10.0.0.0/8x http://10.1.2.3/'),
    argv: { match: true, routes: [{ host: '10.1.2.3', route: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an IPv6 host is exempted by the same text (curl shortens [0:0::1] to ::1)',
    input: curlLine('curl -x p:1 --noproxy ::1 http://[0:0::1]:8080/'),
    argv: { match: false, routes: [{ host: '::1', route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'IPv6 blocks and bracketed entries exempt nothing (7.88.1 compares IPv6 as text)',
    input: curlLine('curl -x p:1 --noproxy ::1/128,[::1],::0:1 http://[::1]/'),
    argv: { match: true, routes: [{ host: '::1', route: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'names after a blank-only separator exempt nothing (7.88.1 reads them, current curl stops there)',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'a.example b.example, c.example', 'http://a.example/', 'http://b.example/', 'http://c.example/']),
    argv: { match: true, routes: [{ route: 'direct' }, { route: 'proxy' }, { route: 'proxy' }], note: 'current curl stops there' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'blanks around commas only separate entries',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', ' a.example ,\tb.example ,', 'http://a.example/', 'http://b.example/']),
    argv: { match: false, routes: [{ route: 'direct' }, { route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the no-proxy list drops the pre-proxy too: an exempted URL uses neither',
    input: curlLine('curl --preproxy socks5://pre:1080 -x p:1 --noproxy example.com https://example.com/'),
    argv: { match: false, nearMiss: 'never used: --noproxy example.com lists example.com' },
    splunk: yes(['*-x *', '*socks5://*', '*--preproxy *']),
  },
  {
    name: 'the pre-proxy is the first hop of a proxied URL',
    input: curlLine('curl --preproxy socks5://pre:1080 -x p:1 https://example.com/'),
    argv: { match: true, routes: [{ route: 'proxy', firstHop: { option: '--preproxy', host: 'pre', port: 1080 }, reason: 'Through --preproxy, then -x.' }] },
    splunk: yes(['*-x *', '*socks5://*', '*--preproxy *']),
  },
  {
    name: 'a pre-proxy alone hides the environment proxy (curl reads the variables only without -x and --preproxy)',
    input: curlArgs(['curl', '--preproxy', 'socks5://pre', 'http://a/'], { envVars: ['http_proxy=http://corp:3128'] }),
    argv: { match: true, proxies: [{ option: '--preproxy' }] },
    splunk: yes(['*socks5://*', '*--preproxy *']),
  },
  {
    name: 'a --socks5-hostname proxy is exempted like any other',
    input: curlLine('curl --socks5-hostname 127.0.0.1:9050 --noproxy example.com https://example.com/'),
    argv: { match: false },
    splunk: no,
  },
  {
    name: '--noproxy is per transfer: --next starts without it',
    input: curlLine('curl -x p:1 --noproxy example.com http://example.com --next -x p:1 http://example.com'),
    argv: { match: true, routes: [{ segment: 1, route: 'direct' }, { segment: 2, route: 'proxy' }], proxies: [{ segment: 2 }] },
    splunk: yes(['*-x *']),
  },
  {
    name: '--noproxy, even empty, overrides the environment\'s no_proxy',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', '', 'http://example.com/'], { envVars: ['no_proxy=example.com'] }),
    argv: { match: true, routes: [{ route: 'proxy' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'no_proxy wins over NO_PROXY',
    input: curlArgs(['curl', '-x', 'p:1', 'http://a.example/', 'http://b.example/'], { envVars: ['no_proxy=b.example', 'NO_PROXY=a.example'] }),
    argv: { match: true, routes: [{ route: 'proxy' }, { route: 'direct', reason: 'Direct: env no_proxy b.example lists b.example.' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an empty no_proxy counts as unset, so NO_PROXY applies',
    input: curlArgs(['curl', '-x', 'p:1', 'http://a.example/'], { envVars: ['no_proxy=', 'NO_PROXY=a.example'] }),
    argv: { match: false },
    splunk: yes(['*-x *']),
  },
  {
    name: 'the proxy variable is chosen per URL: only the URL whose variable is set goes through it',
    input: curlArgs(['curl', 'http://a.example/', 'ftp://files.example/x', 'ftp.files.example/y'], { envVars: ['ftp_proxy=http://ftpx:3128'] }),
    argv: {
      match: true,
      proxies: [{ option: 'env ftp_proxy', host: 'ftpx', segment: 1 }],
      routes: [{ route: 'direct' }, { route: 'proxy', firstHop: { option: 'env ftp_proxy', host: 'ftpx', port: 3128 } }, { host: 'ftp.files.example', route: 'proxy' }],
    },
    splunk: no,
  },
  {
    name: '--proto-default picks the variable of URLs written without a scheme',
    input: curlArgs(['curl', '--proto-default', 'https', 'a.example/x'], { envVars: ['https_proxy=http://corp:3128'] }),
    argv: { match: true, routes: [{ host: 'a.example', route: 'proxy' }] },
    splunk: no,
  },
  {
    name: 'the URL host is read as curl reads it: no scheme, credentials, port, path',
    input: curlLine('curl -x p:1 --noproxy example.com user:secret@example.com:8443/x?y'),
    argv: { match: false, routes: [{ url: '***@example.com:8443/x?y', host: 'example.com', route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'file:// makes no network connection, so no proxy is used',
    input: curlLine('curl -x p:1 file:///etc/passwd'),
    argv: { match: false, routes: [{ route: 'direct', host: null }], nearMiss: 'never used' },
    splunk: yes(['*-x *']),
  },
  {
    name: '--unix-socket makes curl drop the -x proxy',
    input: curlLine('curl -x p:1 --unix-socket /run/docker.sock http://localhost/v1/info'),
    argv: { match: false, nearMiss: '--unix-socket' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a globbed host cannot be known, so a no-proxy list cannot exempt it: counted as proxied',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'example.com', 'http://{a,www}.example.com/']),
    argv: { match: true, routes: [{ host: null, route: 'unknown', firstHop: null }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a glob in the path leaves the host known',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'example.com', 'http://example.com/file[1-3].txt']),
    argv: { match: false, routes: [{ host: 'example.com', route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an unknown {{variable}} in --expand-url leaves the host unknown: counted as proxied',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'example.com', '--expand-url', 'https://{{host}}/']),
    argv: { match: true, routes: [{ host: null, route: 'unknown' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a known {{variable}} in --expand-url is read',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'example.com', '--variable', 'h=example.com', '--expand-url', 'https://{{h}}/']),
    argv: { match: false, routes: [{ host: 'example.com', route: 'direct' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a percent-encoded or international host is not compared as written: counted as proxied',
    input: curlArgs(['curl', '-x', 'p:1', '--noproxy', 'example.com', 'http://ex%61mple.com/', 'http://exämple.com/']),
    argv: { match: true, routes: [{ route: 'unknown' }, { route: 'unknown' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a refused proxy of an exempted URL is never tried',
    input: curlLine('curl -x ftp://p --noproxy example.com http://example.com/'),
    argv: { match: false, nearMiss: 'never used: --noproxy example.com lists example.com' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a -K config file may add URLs, so a proxy whose only URL shown is exempted still counts',
    input: curlLine('curl -K /tmp/more.cfg -x p:1 --noproxy example.com http://example.com/'),
    argv: { match: true, routes: [{ route: 'direct' }], note: 'a -K config file may add URLs to transfer 1' },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a proxy without a host is refused by curl and still counts',
    input: curlLine('curl -x http:// http://a/'),
    argv: { match: true, proxies: [{ host: null, refused: 'the proxy value names no host' }] },
    splunk: yes(['*-x *']),
  },
  {
    name: 'an environment proxy curl refuses still counts, marked refused',
    input: curlArgs(['curl', 'https://a/'], { envVars: ['https_proxy=gopher://corp'] }),
    argv: { match: true, proxies: [{ option: 'env https_proxy', refused: 'curl rejects the unsupported proxy scheme gopher://' }] },
    splunk: no,
  },

  // --- which process is curl ---
  {
    name: 'a shell whose command line contains curl -x is not the curl process',
    input: { processName: 'bash', processPath: '/bin/bash', commandLine: 'bash -c "curl -x socks5://p https://a"' },
    argv: { match: false, isCurl: false, reason: 'Not the curl process' },
    splunk: no,
  },
  {
    name: 'the executable basename makes a process curl even when the name is odd',
    input: { processName: 'sysmon', processPath: '/usr/bin/curl', commandLine: 'curl -x p:1 https://a' },
    argv: { match: true, isCurl: true },
    splunk: no,
  },
  {
    name: 'the process name is compared case-insensitively in both modes',
    input: { processName: 'CURL', commandLine: 'CURL -x p:1 https://a' },
    argv: { match: true },
    splunk: yes(['*-x *']),
  },
  {
    name: 'a curl command line under another name (curl-config) is not curl',
    input: { processName: 'curl-config', commandLine: 'curl-config -x socks5://p' },
    argv: { match: false, isCurl: false },
    splunk: no,
  },

  // --- the analytic's own quirks, pinned ---
  {
    name: 'a command line that starts with --proxy matches the anchored "--proxy*" pattern',
    input: { processName: 'curl', commandLine: '--proxy http://p:3128 https://a' },
    // To argv mode the first word is argv[0], the program, so no option sets a proxy here.
    argv: { match: false },
    splunk: yes(['--proxy*']),
  },
  {
    name: 'a URL path ending in -x followed by a space fires the analytic',
    input: curlLine('curl https://a/files/-x y'),
    argv: { match: false },
    splunk: yes(['*-x *']),
  },
];
