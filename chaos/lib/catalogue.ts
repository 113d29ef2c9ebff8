import type { Random } from '../../test/support/random.js';

/**
 * The command lines the generator builds, split by what they are. The split IS the ground
 * truth for "proxied": each entry was written as curl told to use a proxy (or not) according
 * to curl's manual, never decided by running the product's rule.
 *
 * Every argv word is free of whitespace, quotes, `\`, `$` and backticks and is never empty, so
 * joining the words with single spaces gives back exactly the command line, for producers
 * that record only argv (Auditd Manager, Auditbeat) as for those that record both.
 */
export type Argv = readonly string[];

const site = (r: Random): string => `${r.pick(['api', 'cdn', 'repo', 'git', 'files', 'auth'])}${r.int(1, 40)}.${r.pick(['example.com', 'example.org', 'corp.internal'])}`;
const url = (r: Random): string => `https://${site(r)}/${r.pick(['', 'v1/items', 'dl/agent.bin', 'beacon', 'x'])}`;
const ip = (r: Random): string => `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;

/** curl through a proxy, in the forms curl 8.x accepts (options, clusters, attached values, schemes). */
export const proxiedCurl: readonly ((r: Random) => Argv)[] = [
  (r) => ['curl', '-x', `http://proxy.corp:${r.int(3000, 3999)}`, url(r)],
  (r) => ['curl', '--proxy', `socks5h://${ip(r)}:1080`, url(r)],
  (r) => ['curl', `--proxy=http://p${r.int(1, 9)}.corp:8080`, '-k', url(r)],
  (r) => ['curl', '-sSx', `socks5://${ip(r)}:1080`, url(r)],
  (r) => ['curl', `-xhttp://${ip(r)}:8080`, url(r)],
  (r) => ['curl', '--socks5', `${ip(r)}:1080`, url(r)],
  (r) => ['curl', '--socks5-hostname', `tor${r.int(1, 9)}.onion.example:9050`, url(r)],
  (r) => ['curl', '--socks4', `s${r.int(1, 9)}.corp:1080`, url(r)],
  (r) => ['curl', '--socks4a', `s${r.int(1, 9)}.corp:1080`, url(r)],
  (r) => ['curl', '--preproxy', `socks5://${ip(r)}:1080`, '-x', 'http://b.corp:3128', url(r)],
  (r) => ['curl', '--proxy1.0', `p${r.int(1, 9)}.corp:3128`, url(r)],
  (r) => ['curl', '-x', `SOCKS5H://svc:pw@${ip(r)}:1080`, '-o', '/tmp/p.bin', url(r)],
  (r) => ['curl', '-U', 'svc:pw', '-x', 'http://p.corp:3128', url(r)],
  (r) => ['curl', '-fsSLx', `http://${ip(r)}:3128`, url(r)],
  (r) => ['curl', '-x', `https://sec-proxy.corp:${r.int(440, 450)}`, '-H', 'X-Trace:1', url(r)],
  (r) => ['curl', '--noproxy', 'internal.corp', '-x', 'http://p.corp:3128', url(r)],
  (r) => ['curl', '-d', `id=${r.int(1, 999)}`, '--proxy', `http://${ip(r)}:3128`, url(r)],
  (r) => ['curl', '-x', `socks4a://${ip(r)}:9050`, url(r)],
];

/**
 * curl that does not go through a proxy although its command line mentions one: the method
 * `-X`, proxy words inside values, `--noproxy '*'` (every proxy off), proxy settings without a
 * proxy, and `-V` (prints the version, makes no transfer).
 */
export const plainCurl: readonly ((r: Random) => Argv)[] = [
  (r) => ['curl', '-s', url(r)],
  (r) => ['curl', '-X', 'POST', '-d', `id=${r.int(1, 999)}`, url(r)],
  (r) => ['curl', '-H', `X-Proxy-Id:${r.int(1, 9)}`, url(r)],
  (r) => ['curl', '-o', '/tmp/socks5-proxy.tar.gz', url(r)],
  (r) => ['curl', `https://${site(r)}/files/socks5://a/-x`],
  (r) => ['curl', '--noproxy', '*', '-x', 'http://p.corp:3128', url(r)],
  (r) => ['curl', '-U', 'u:p', url(r)],
  (r) => ['curl', '-p', url(r)],
  (r) => ['curl', '--haproxy-protocol', url(r)],
  (r) => ['curl', '--proxy-insecure', url(r)],
  () => ['curl', '-x', 'http://p.corp:3128', '-V'],
];

/** Other programs, some of which mention proxies in their arguments. argv[0] is the program path. */
export const otherPrograms: readonly ((r: Random) => Argv)[] = [
  (r) => ['/usr/bin/ls', '-la', `/var/log/app${r.int(1, 9)}`],
  (r) => ['/bin/bash', `/opt/scripts/job-${r.int(1, 40)}.sh`],
  (r) => ['/usr/bin/python3', '-m', 'pip', 'install', '--proxy', `http://proxy${r.int(1, 3)}.corp:3128`, 'requests'],
  (r) => ['/usr/bin/wget', '-q', '-e', 'https_proxy=http://proxy.corp:3128', url(r)],
  (r) => ['/usr/bin/git', '-c', 'http.proxy=socks5://proxy.corp:1080', 'fetch', 'origin'],
  (r) => ['/usr/bin/ssh', '-o', 'ProxyJump=bastion01', `db-${r.int(1, 20)}`],
  () => ['/usr/bin/grep', '-rn', 'socks5://', '/etc'],
  (r) => ['/usr/bin/sleep', String(r.int(1, 60))],
  () => ['/usr/bin/cat', '/proc/meminfo'],
  (r) => ['/usr/bin/systemctl', 'status', `app${r.int(1, 40)}.service`],
  (r) => ['/usr/bin/curlftpfs', `ftp://${site(r)}/`, '/mnt/ftp'],
];

/** Parent process names. */
export const parents = ['bash', 'sh', 'zsh', 'python3', 'cron', 'sshd', 'node', 'make', 'sudo'] as const;

const needsQuoting = /[\s'"\\$`]/;

/** Throws when an argv breaks the catalogue's promise (see the file comment). */
export function assertPlainArgv(argv: Argv): void {
  for (const w of argv) {
    if (w === '' || needsQuoting.test(w)) throw new Error(`catalogue: expected argv words without whitespace or quotes, got ${JSON.stringify(w)}`);
  }
}
