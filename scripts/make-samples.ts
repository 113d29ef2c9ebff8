/**
 * Writes the bundled datasets, deterministically (same output on every run):
 *   samples/sample-events.ndjson  Linux process starts in ECS from four producers
 *   samples/sysmon-linux.log      Sysmon for Linux records in the XML-in-syslog form
 *   samples/README.md             what is in them and the findings the real rule gives
 * usage: npx tsx scripts/make-samples.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClassifier } from '../src/aggregate/classify.js';
import { loadConfig } from '../src/config/load.js';
import { defaultFieldMap } from '../src/normalize/fields.js';
import { parseLine, type ReplayFormat } from '../src/replay/records.js';
import { parseSysmonLine } from '../src/replay/sysmon-record.js';
import { sysmonToEcs } from '../src/replay/sysmon-to-ecs.js';
import { prng } from '../test/support/random.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const samplesDir = resolve(root, 'samples');

// ---------------------------------------------------------------- randomness, time, ids

const random = prng(20261102);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const start = Date.UTC(2026, 10, 2, 8, 0, 0);
const at = (hhmm: string, sec = 0, ms = 0): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return Date.UTC(2026, 10, 2, h, m, sec, ms);
};
/** The sample spans 08:00 to 13:45 UTC: less than six hours. */
const end = at('13:45');

function guid(host: string, pid: number): string {
  const h = [...host].reduce((acc, c) => (acc * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, '0');
  return `{${h.slice(0, 8)}-6a2f-6571-${pid.toString(16).padStart(4, '0').slice(-4)}-${(pid * 2654435761 >>> 0).toString(16).padStart(12, '0').slice(-12)}}`;
}

// ---------------------------------------------------------------- event specs

type Producer = 'defend' | 'auditd_manager' | 'auditbeat' | 'sysmon';

interface Spec {
  producer: Producer;
  time: number;
  host: string;
  user: string;
  argv: string[];
  /** Default: /usr/bin/<argv[0]>. */
  exe?: string;
  pid: number;
  ppid: number;
  parent: { exe: string; argv: string[] };
  env?: string[];
  cwd?: string;
}

const hosts: Record<Producer, string[]> = {
  defend: ['web-01', 'web-02'],
  auditd_manager: ['db-01'],
  auditbeat: ['build-01'],
  sysmon: ['jump-01'],
};
const users: Record<Producer, string[]> = {
  defend: ['root', 'www-data', 'alice', 'deploy', 'deploy'],
  auditd_manager: ['postgres', 'postgres', 'root', 'bob'],
  auditbeat: ['jenkins', 'jenkins', 'jenkins', 'root'],
  sysmon: ['alice', 'bob', 'root', 'alice'],
};

const bash = { exe: '/usr/bin/bash', argv: ['-bash'] };
const cronShell = (script: string) => ({ exe: '/bin/sh', argv: ['/bin/sh', '-c', script] });
const sshd = { exe: '/usr/sbin/sshd', argv: ['/usr/sbin/sshd', '-D'] };
const systemd = { exe: '/usr/lib/systemd/systemd', argv: ['/sbin/init'] };
const jenkinsAgent = { exe: '/usr/bin/java', argv: ['java', '-jar', '/opt/jenkins/agent.jar'] };

interface Template {
  argv: string[];
  exe?: string;
  parent: Spec['parent'];
  user?: string;
}

const benign: Record<Producer, Template[]> = {
  defend: [
    { argv: ['/usr/sbin/sshd', '-D', '-R'], exe: '/usr/sbin/sshd', parent: sshd, user: 'root' },
    { argv: ['-bash'], exe: '/usr/bin/bash', parent: { exe: '/usr/sbin/sshd', argv: ['sshd: alice [priv]'] } },
    { argv: ['systemctl', 'status', 'nginx'], parent: bash },
    { argv: ['systemctl', 'reload', 'nginx'], parent: bash, user: 'root' },
    { argv: ['nginx', '-t'], exe: '/usr/sbin/nginx', parent: bash, user: 'root' },
    { argv: ['ls', '-la', '/var/www/html'], parent: bash },
    { argv: ['python3', '/opt/app/manage.py', 'migrate', '--noinput'], parent: bash, user: 'deploy' },
    { argv: ['python3', '-m', 'pip', 'list', '--outdated'], parent: bash },
    { argv: ['git', 'pull', '--rebase'], parent: bash, user: 'deploy' },
    { argv: ['git', 'fetch', 'origin'], parent: bash, user: 'deploy' },
    { argv: ['docker', 'ps', '--format', '{{.Names}}'], parent: bash },
    { argv: ['docker', 'logs', '--tail', '100', 'web'], parent: bash },
    { argv: ['grep', '-x', 'ERROR', '/var/log/app/app.log'], parent: bash },
    { argv: ['tar', '-xzf', '/tmp/release.tgz', '-C', '/opt/app'], parent: bash, user: 'deploy' },
    { argv: ['/usr/sbin/CRON', '-f', '-P'], exe: '/usr/sbin/cron', parent: { exe: '/usr/sbin/cron', argv: ['/usr/sbin/cron', '-f', '-P'] }, user: 'root' },
    { argv: ['/bin/sh', '-c', '/usr/local/bin/rotate-logs.sh'], exe: '/bin/sh', parent: { exe: '/usr/sbin/cron', argv: ['/usr/sbin/CRON', '-f', '-P'] }, user: 'root' },
    { argv: ['logrotate', '/etc/logrotate.conf'], exe: '/usr/sbin/logrotate', parent: cronShell('/usr/local/bin/rotate-logs.sh'), user: 'root' },
    { argv: ['curl', '-fsSL', 'https://example.com/health'], parent: cronShell('/usr/local/bin/healthcheck.sh'), user: 'www-data' },
    { argv: ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'https://example.org/'], parent: bash },
    { argv: ['id'], parent: bash },
    { argv: ['cat', '/etc/os-release'], parent: bash },
  ],
  auditd_manager: [
    { argv: ['psql', '-U', 'postgres', '-c', 'SELECT 1'], parent: bash, user: 'postgres' },
    { argv: ['pg_dump', '-Fc', 'appdb', '-f', '/backup/appdb.dump'], exe: '/usr/lib/postgresql/16/bin/pg_dump', parent: cronShell('/usr/local/bin/pg-backup.sh'), user: 'postgres' },
    { argv: ['gzip', '-9', '/backup/appdb.dump'], parent: cronShell('/usr/local/bin/pg-backup.sh'), user: 'postgres' },
    { argv: ['/bin/sh', '-c', '/usr/local/bin/pg-backup.sh'], exe: '/bin/sh', parent: { exe: '/usr/sbin/cron', argv: ['/usr/sbin/CRON', '-f'] }, user: 'postgres' },
    { argv: ['apt-get', 'update'], parent: bash, user: 'root' },
    { argv: ['apt-get', 'install', '-y', 'jq'], parent: bash, user: 'root' },
    { argv: ['apt', 'list', '--upgradable'], parent: bash },
    { argv: ['uptime'], parent: bash },
    { argv: ['df', '-h', '/var/lib/postgresql'], parent: bash },
    { argv: ['ps', 'aux'], parent: bash },
    { argv: ['journalctl', '-u', 'postgresql', '--since', '1 hour ago'], parent: bash, user: 'root' },
    { argv: ['curl', '-s', 'https://example.com/ping'], parent: bash },
    { argv: ['-bash'], exe: '/usr/bin/bash', parent: { exe: '/usr/sbin/sshd', argv: ['sshd: bob [priv]'] }, user: 'bob' },
  ],
  auditbeat: [
    { argv: ['git', 'clone', '--depth', '1', 'https://example.org/team/app.git'], parent: jenkinsAgent },
    { argv: ['git', 'checkout', '-b', 'feature/replay'], parent: jenkinsAgent },
    { argv: ['make', '-j4'], parent: jenkinsAgent },
    { argv: ['cc', '-O2', '-c', 'main.c', '-o', 'main.o'], exe: '/usr/bin/x86_64-linux-gnu-gcc-13', parent: { exe: '/usr/bin/make', argv: ['make', '-j4'] } },
    { argv: ['npm', 'ci', '--no-audit'], exe: '/usr/bin/node', parent: jenkinsAgent },
    { argv: ['node', 'build.js', '--prod'], parent: jenkinsAgent },
    { argv: ['docker', 'build', '-t', 'registry.example.com/app:latest', '.'], parent: jenkinsAgent },
    { argv: ['docker', 'push', 'registry.example.com/app:latest'], parent: jenkinsAgent },
    { argv: ['python3', 'setup.py', 'bdist_wheel'], parent: jenkinsAgent },
    { argv: ['curl', '-fsSLo', '/tmp/tool.tgz', 'https://downloads.example.org/tool.tgz'], parent: jenkinsAgent },
    { argv: ['sha256sum', '/tmp/tool.tgz'], parent: jenkinsAgent },
    { argv: ['systemctl', 'restart', 'docker'], parent: bash, user: 'root' },
  ],
  sysmon: [
    { argv: ['/usr/sbin/sshd', '-D', '-R'], exe: '/usr/sbin/sshd', parent: sshd, user: 'root' },
    { argv: ['-bash'], exe: '/usr/bin/bash', parent: { exe: '/usr/sbin/sshd', argv: ['sshd: alice [priv]'] } },
    { argv: ['ssh', 'web-01'], parent: bash },
    { argv: ['ssh', '-J', 'jump-01', 'db-01'], parent: bash },
    { argv: ['scp', 'report.csv', 'db-01:/tmp/'], parent: bash },
    { argv: ['sudo', '-i'], parent: bash },
    { argv: ['whoami'], parent: bash },
    { argv: ['ls', '-l'], parent: bash },
    { argv: ['vim', '/etc/hosts'], parent: bash, user: 'root' },
    { argv: ['top', '-b', '-n', '1'], parent: bash },
    { argv: ['journalctl', '-u', 'ssh', '-n', '50'], parent: bash, user: 'root' },
    { argv: ['python3', '/opt/tools/inventory.py', '--refresh'], parent: bash },
    { argv: ['systemctl', 'is-active', 'sysmon'], parent: systemd, user: 'root' },
  ],
};

/** How many benign events each producer gets. */
const benignCounts: Record<Producer, number> = { defend: 170, auditd_manager: 90, auditbeat: 90, sysmon: 90 };

/** Curl through a proxy in every form the rule knows, the analytic's false positives, repeats. */
function specialSpecs(): (Spec & { note: string })[] {
  const s = (producer: Producer, time: number, host: string, user: string, argv: string[], pid: number, note: string, extra: Partial<Spec> = {}) => ({
    producer,
    time,
    host,
    user,
    argv,
    pid,
    ppid: extra.ppid ?? pid - 3,
    parent: extra.parent ?? bash,
    note,
    ...extra,
  });
  const heartbeat = cronShell('curl -x http://198.51.100.10:3128 https://example.com/heartbeat');
  return [
    // repeated executions in one hour (same pid, same command line): counts > 1
    s('defend', at('09:05', 1), 'web-01', 'root', ['curl', '-x', 'http://198.51.100.10:3128', 'https://example.com/heartbeat'], 41001, '-x http:// proxy (twice in one hour)', { parent: heartbeat, ppid: 41000 }),
    s('defend', at('09:35', 1), 'web-01', 'root', ['curl', '-x', 'http://198.51.100.10:3128', 'https://example.com/heartbeat'], 41001, '-x http:// proxy (repeat)', { parent: heartbeat, ppid: 41000 }),
    s('defend', at('08:41', 12), 'web-02', 'deploy', ['curl', '--proxy', 'http://proxy.example.net:8080', 'https://example.org/api/v1/status'], 41010, '--proxy <url>'),
    s('defend', at('10:02', 44), 'web-01', 'www-data', ['curl', '--proxy=socks5h://203.0.113.5:1080', 'https://example.com/data.json'], 41020, '--proxy=<url>'),
    s('auditd_manager', at('08:57', 3), 'db-01', 'bob', ['curl', '-x198.51.100.20:3128', 'https://example.com/backup/upload'], 42001, '-xhost:port (attached value)'),
    s('auditbeat', at('09:12', 30), 'build-01', 'jenkins', ['curl', '-sSx', '203.0.113.7:8080', 'https://example.org/install.sh'], 43001, '-sSx host:port (short-option cluster)', { parent: jenkinsAgent }),
    s('sysmon', at('09:48', 9), 'jump-01', 'root', ['curl', '--socks4', '203.0.113.9:1080', 'http://example.net/'], 44001, '--socks4'),
    s('defend', at('11:20', 5), 'web-02', 'alice', ['curl', '--socks4a', '203.0.113.9:1080', 'http://example.net/status'], 41030, '--socks4a'),
    s('auditd_manager', at('10:10', 0), 'db-01', 'root', ['curl', '--socks5', '198.51.100.33:1080', 'https://example.com/'], 42010, '--socks5 (three times in one hour)'),
    s('auditd_manager', at('10:25', 0), 'db-01', 'root', ['curl', '--socks5', '198.51.100.33:1080', 'https://example.com/'], 42010, '--socks5 (repeat)'),
    s('auditd_manager', at('10:50', 0), 'db-01', 'root', ['curl', '--socks5', '198.51.100.33:1080', 'https://example.com/'], 42010, '--socks5 (repeat)'),
    s('sysmon', at('11:15', 2), 'jump-01', 'alice', ['curl', '--socks5-hostname', '198.51.100.33:9050', 'https://example.org/hidden'], 44010, '--socks5-hostname (twice in one hour)'),
    s('sysmon', at('11:20', 2), 'jump-01', 'alice', ['curl', '--socks5-hostname', '198.51.100.33:9050', 'https://example.org/hidden'], 44010, '--socks5-hostname (repeat)'),
    s('defend', at('12:03', 17), 'web-01', 'root', ['curl', '--preproxy', 'socks5://203.0.113.11:1080', '-x', 'http://198.51.100.12:3128', 'https://example.com/'], 41040, '--preproxy socks5:// with -x'),
    s('auditbeat', at('12:30', 45), 'build-01', 'jenkins', ['curl', '--proxy1.0', '198.51.100.40:8080', 'http://example.com/artifact.tgz'], 43010, '--proxy1.0', { parent: jenkinsAgent }),
    s('sysmon', at('12:44', 8), 'jump-01', 'root', ['curl', '-x', 'socks://203.0.113.15:1080', 'https://example.net/'], 44020, 'socks:// (SOCKS4 to curl)'),
    s('defend', at('13:01', 33), 'web-02', 'root', ['curl', '-x', 'SOCKS5H://203.0.113.16:1080', 'https://example.com/'], 41050, 'SOCKS5H:// upper case'),
    s('auditd_manager', at('11:42', 51), 'db-01', 'postgres', ['curl', '-x', 'http://svc-backup:S3cretPass@198.51.100.50:3128', 'https://example.org/upload'], 42020, 'credentials in the proxy URL'),
    s('defend', at('13:10', 4), 'web-01', 'deploy', ['curl', '--variable', 'p=socks5h://203.0.113.60:9050', '--expand-proxy', '{{p}}', 'https://example.com/'], 41060, '--variable + --expand-proxy'),
    s('defend', at('10:33', 29), 'web-02', 'www-data', ['curl', '-s', 'https://example.com/feed'], 41070, 'ALL_PROXY in process.env_vars', {
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/var/www', 'ALL_PROXY=socks5h://203.0.113.70:1080'],
    }),
    s('auditbeat', at('11:05', 13), 'build-01', 'root', ['env', 'https_proxy=http://198.51.100.80:3128', 'curl', 'https://example.org/'], 43020, 'env https_proxy=... curl'),
    s('sysmon', at('13:22', 40), 'jump-01', 'root', ['curl', '--PROXY', 'http://198.51.100.90:8080', 'https://example.com/'], 44030, '--PROXY (case evasion, old curl)'),
    s('defend', at('13:33', 7), 'web-01', 'root', ['curl', '--preprox', 'socks5://203.0.113.95:1080', 'https://example.net/'], 41080, '--preprox (abbreviation evasion, old curl)'),
    // the analytic's classic false positives
    s('defend', at('09:27', 50), 'web-02', 'deploy', ['curl', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"proxy":"socks5://x"}', 'https://api.example.com/v1/items'], 41090, 'FP: -X POST with "socks5://" in the body'),
    s('sysmon', at('10:58', 21), 'jump-01', 'alice', ['curl', '--noproxy', '*', '-x', 'http://198.51.100.99:3128', 'https://example.com/'], 44040, "FP: --noproxy '*' -x p"),
    s('defend', at('12:15', 0), 'web-01', 'root', ['bash', '-c', 'curl -x socks5://203.0.113.77:1080 https://example.com/'], 41100, 'FP: bash -c "curl -x ..." (the shell)', { exe: '/usr/bin/bash' }),
    s('defend', at('12:15', 0, 4), 'web-01', 'root', ['curl', '-x', 'socks5://203.0.113.77:1080', 'https://example.com/'], 41101, 'the curl that bash -c started', {
      ppid: 41100,
      parent: { exe: '/usr/bin/bash', argv: ['bash', '-c', 'curl -x socks5://203.0.113.77:1080 https://example.com/'] },
    }),
    s('auditd_manager', at('12:52', 36), 'db-01', 'bob', ['curl', 'https://example.com/socks5://path'], 42030, 'FP: socks5:// inside the URL path'),
    s('auditbeat', at('13:40', 2), 'build-01', 'jenkins', ['curl', '-X', 'DELETE', 'https://api.example.com/v1/cache'], 43030, 'FP: -X DELETE', { parent: jenkinsAgent }),
  ];
}

function benignSpecs(): Spec[] {
  const out: Spec[] = [];
  for (const producer of Object.keys(benignCounts) as Producer[]) {
    for (let i = 0; i < benignCounts[producer]; i++) {
      const t = pick(benign[producer]);
      const time = start + Math.floor(random() * (end - start - 60_000));
      out.push({ producer, time, host: pick(hosts[producer]), user: t.user ?? pick(users[producer]), argv: t.argv, ...(t.exe ? { exe: t.exe } : {}), pid: 0, ppid: 0, parent: t.parent });
    }
  }
  // Process ids grow with time on each host, as the kernel hands them out.
  out.sort((a, b) => a.time - b.time);
  const nextPid = new Map<string, number>();
  for (const spec of out) {
    const pid = (nextPid.get(spec.host) ?? 20_000) + 1 + Math.floor(random() * 40);
    nextPid.set(spec.host, pid);
    spec.pid = pid;
    spec.ppid = spec.parent === systemd ? 1 : pid - 1 - Math.floor(random() * 5);
  }
  return out;
}

// ---------------------------------------------------------------- producers

const exeOf = (spec: Spec): string => spec.exe ?? (spec.argv[0]?.startsWith('/') ? (spec.argv[0] as string) : `/usr/bin/${spec.argv[0] ?? 'unknown'}`);
const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const iso = (ms: number): string => new Date(ms).toISOString();
const ingestedAt = (spec: Spec): string => iso(spec.time + 1_500);

function defendDoc(spec: Spec): Record<string, unknown> {
  const exe = exeOf(spec);
  const process: Record<string, unknown> = {
    name: base(exe),
    executable: exe,
    command_line: spec.argv.join(' '),
    args: spec.argv,
    args_count: spec.argv.length,
    pid: spec.pid,
    entity_id: `ent-${spec.host}-${spec.pid}-${spec.time}`,
    working_directory: spec.cwd ?? (spec.user === 'root' ? '/root' : `/home/${spec.user}`),
    parent: { name: base(spec.parent.exe), executable: spec.parent.exe, pid: spec.ppid, command_line: spec.parent.argv.join(' '), args: spec.parent.argv },
  };
  if (spec.env !== undefined) process.env_vars = spec.env;
  return {
    '@timestamp': iso(spec.time),
    agent: { type: 'endpoint', version: '8.15.3' },
    data_stream: { type: 'logs', dataset: 'endpoint.events.process', namespace: 'replay' },
    ecs: { version: '8.10.0' },
    event: { action: 'exec', category: ['process'], type: ['start'], kind: 'event', dataset: 'endpoint.events.process', module: 'endpoint', created: iso(spec.time), ingested: ingestedAt(spec) },
    host: { name: spec.host, hostname: spec.host, os: { type: 'linux', family: 'debian', name: 'Ubuntu' } },
    user: { name: spec.user, id: uid(spec.user) },
    process,
  };
}

function auditdManagerDoc(spec: Spec): Record<string, unknown> {
  const exe = exeOf(spec);
  return {
    '@timestamp': iso(spec.time),
    agent: { type: 'auditbeat', version: '8.15.3' },
    data_stream: { type: 'logs', dataset: 'auditd_manager.auditd', namespace: 'replay' },
    event: { action: 'executed', category: ['process'], type: ['start'], outcome: 'success', kind: 'event', module: 'auditd', dataset: 'auditd_manager.auditd', ingested: ingestedAt(spec) },
    host: { name: spec.host },
    user: { name: spec.user, id: uid(spec.user) },
    auditd: { summary: { actor: { primary: spec.user, secondary: spec.user }, how: exe, object: { type: 'file', primary: exe } } },
    process: { name: base(exe), executable: exe, args: spec.argv, title: spec.argv.join(' ').slice(0, 128), pid: spec.pid, parent: { pid: spec.ppid }, working_directory: '/' },
  };
}

function auditbeatDoc(spec: Spec): Record<string, unknown> {
  const exe = exeOf(spec);
  return {
    '@timestamp': iso(spec.time),
    agent: { type: 'auditbeat', version: '8.15.3', hostname: spec.host },
    event: { action: 'executed', category: ['process'], type: ['start'], outcome: 'success', kind: 'event', module: 'auditd', ingested: ingestedAt(spec) },
    host: { name: spec.host },
    user: { name: spec.user, id: uid(spec.user) },
    process: { name: base(exe), executable: exe, args: spec.argv, title: spec.argv.join(' ').slice(0, 128), pid: spec.pid, parent: { pid: spec.ppid }, working_directory: '/' },
  };
}

function uid(user: string): string {
  return { root: '0', 'www-data': '33', postgres: '114', jenkins: '112' }[user] ?? String(1000 + (user.charCodeAt(0) % 7));
}

// ---------------------------------------------------------------- Sysmon for Linux records

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let recordId = 5_500;

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Sysmon's `UtcTime`: `yyyy-MM-dd HH:mm:ss.SSS`. */
const utcTime = (ms: number): string => iso(ms).replace('T', ' ').slice(0, 23);

/** RFC 3164 header as rsyslog writes it on Debian: `Nov  2 09:05:01 host sysmon: `. */
function syslogHeader(ms: number, host: string): string {
  const d = new Date(ms);
  return `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${iso(ms).slice(11, 19)} ${host} sysmon: `;
}

interface SysmonOptions {
  eventId?: 1 | 3 | 5;
  header?: 'rfc3164' | 'pri' | 'iso' | 'none';
  /** `User` as Sysmon writes it (default: the spec's user). */
  rawUser?: string;
}

/** One Sysmon for Linux record line; the command line is argv joined with spaces, as Sysmon for Linux writes it. */
function sysmonLine(spec: Spec, options: SysmonOptions = {}): string {
  const eventId = options.eventId ?? 1;
  const exe = exeOf(spec);
  const user = options.rawUser ?? spec.user;
  const data: [string, string][] =
    eventId === 1
      ? [
          ['RuleName', '-'],
          ['UtcTime', utcTime(spec.time)],
          ['ProcessGuid', guid(spec.host, spec.pid)],
          ['ProcessId', String(spec.pid)],
          ['Image', exe],
          ['FileVersion', '-'],
          ['Description', '-'],
          ['Product', '-'],
          ['Company', '-'],
          ['OriginalFileName', '-'],
          ['CommandLine', spec.argv.join(' ')],
          ['CurrentDirectory', spec.cwd ?? (spec.user === 'root' ? '/root' : `/home/${spec.user}`)],
          ['User', user],
          ['LogonGuid', `{${guid(spec.host, 0).slice(1, 9)}-0000-0000-0000-000000000000}`],
          ['LogonId', spec.user === 'root' ? '0' : '1000'],
          ['TerminalSessionId', '3'],
          ['IntegrityLevel', 'no level'],
          ['Hashes', '-'],
          ['ParentProcessGuid', guid(spec.host, spec.ppid)],
          ['ParentProcessId', String(spec.ppid)],
          ['ParentImage', spec.parent.exe],
          ['ParentCommandLine', spec.parent.argv.join(' ')],
          ['ParentUser', user],
        ]
      : eventId === 3
        ? [
            ['RuleName', '-'],
            ['UtcTime', utcTime(spec.time)],
            ['ProcessGuid', guid(spec.host, spec.pid)],
            ['ProcessId', String(spec.pid)],
            ['Image', exe],
            ['User', user],
            ['Protocol', 'tcp'],
            ['Initiated', 'true'],
            ['SourceIsIpv6', 'false'],
            ['SourceIp', '192.0.2.10'],
            ['SourceHostname', '-'],
            ['SourcePort', '51544'],
            ['SourcePortName', '-'],
            ['DestinationIsIpv6', 'false'],
            ['DestinationIp', '203.0.113.5'],
            ['DestinationHostname', '-'],
            ['DestinationPort', '1080'],
            ['DestinationPortName', '-'],
          ]
        : [
            ['RuleName', '-'],
            ['UtcTime', utcTime(spec.time)],
            ['ProcessGuid', guid(spec.host, spec.pid)],
            ['ProcessId', String(spec.pid)],
            ['Image', exe],
            ['User', user],
          ];
  recordId += 1;
  const xml =
    `<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>${eventId}</EventID>` +
    `<Version>${eventId === 1 ? 5 : eventId === 3 ? 5 : 3}</Version><Level>4</Level><Task>${eventId}</Task><Opcode>0</Opcode>` +
    `<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="${iso(spec.time + 3).replace('Z', '000Z')}"/>` +
    `<EventRecordID>${recordId}</EventRecordID><Correlation/><Execution ProcessID="812" ThreadID="812"/>` +
    `<Channel>Linux-Sysmon/Operational</Channel><Computer>${spec.host}</Computer><Security UserId="0"/></System>` +
    `<EventData>${data.map(([k, v]) => `<Data Name="${k}">${xmlEscape(v)}</Data>`).join('')}</EventData></Event>`;
  switch (options.header ?? 'rfc3164') {
    case 'none':
      return xml;
    case 'pri':
      return `<134>${syslogHeader(spec.time, spec.host)}${xml}`;
    case 'iso':
      return `${iso(spec.time).replace('Z', '000+00:00')} ${spec.host} sysmon: ${xml}`;
    default:
      return `${syslogHeader(spec.time, spec.host)}${xml}`;
  }
}

/** The Sysmon events of the ECS sample, converted exactly as `replay --format sysmon-linux` does. */
function sysmonDoc(spec: Spec): Record<string, unknown> {
  const line = sysmonLine(spec);
  const doc = sysmonToEcs(parseSysmonLine(line), line, 'replay');
  (doc.event as Record<string, unknown>).ingested = ingestedAt(spec);
  return doc;
}

// ---------------------------------------------------------------- the files

const builders: Record<Producer, (spec: Spec) => Record<string, unknown>> = {
  defend: defendDoc,
  auditd_manager: auditdManagerDoc,
  auditbeat: auditbeatDoc,
  sysmon: sysmonDoc,
};

function ecsSample(): { lines: string[]; specials: ReturnType<typeof specialSpecs>; counts: Record<Producer, number> } {
  const specials = specialSpecs();
  const all: Spec[] = [...benignSpecs(), ...specials].sort((a, b) => a.time - b.time || a.pid - b.pid);
  const counts = { defend: 0, auditd_manager: 0, auditbeat: 0, sysmon: 0 };
  for (const spec of all) counts[spec.producer] += 1;
  return { lines: all.map((spec) => JSON.stringify(builders[spec.producer](spec))), specials, counts };
}

function sysmonLog(): { lines: string[]; notes: string[] } {
  const host = 'jump-01';
  const t = (hhmm: string, sec: number) => Date.UTC(2026, 10, 2, ...(hhmm.split(':').map(Number) as [number, number]), sec, 250);
  const spec = (time: number, user: string, argv: string[], pid: number, ppid: number, parent: Spec['parent'] = bash, exe?: string): Spec => ({
    producer: 'sysmon',
    time,
    host,
    user,
    argv,
    pid,
    ppid,
    parent,
    ...(exe !== undefined ? { exe } : {}),
  });
  const proxied = spec(t('09:02', 10), 'root', ['curl', '-x', 'socks5h://203.0.113.5:1080', 'https://example.com/'], 7101, 7001);
  const bashC = spec(t('09:30', 0), 'root', ['bash', '-c', 'curl -x socks5://203.0.113.77:1080 https://example.com/'], 7300, 7001, bash, '/usr/bin/bash');
  const entries: [string, string][] = [
    [sysmonLine(spec(t('09:00', 1), 'root', ['/usr/sbin/sshd', '-D', '-R'], 7000, 650, sshd, '/usr/sbin/sshd')), 'Event ID 1, benign: sshd'],
    [sysmonLine(spec(t('09:00', 2), 'root', ['-bash'], 7001, 7000, { exe: '/usr/sbin/sshd', argv: ['sshd: root@pts/0'] }, '/usr/bin/bash')), 'Event ID 1, benign: login shell'],
    [sysmonLine(proxied), 'Event ID 1: curl -x socks5h:// (both modes)'],
    [sysmonLine({ ...proxied, time: proxied.time + 180 }, { eventId: 3 }), 'Event ID 3 (network connection): skipped'],
    [sysmonLine({ ...proxied, time: proxied.time + 950 }, { eventId: 5 }), 'Event ID 5 (process terminated): skipped'],
    [sysmonLine(spec(t('09:05', 40), 'root', ['curl', '--socks5-hostname', '198.51.100.33:9050', 'https://example.org/'], 7110, 7001)), 'Event ID 1: curl --socks5-hostname (argv mode only)'],
    [sysmonLine(spec(t('09:06', 3), 'root', ['ls', '-la', '/tmp'], 7120, 7001)), 'Event ID 1, benign: ls'],
    [sysmonLine(spec(t('09:07', 30), 'root', ['curl', '-s', 'https://example.com/health'], 7130, 7001)), 'Event ID 1, benign: curl without a proxy'],
    [sysmonLine(spec(t('09:10', 12), 'root', ['curl', '--proxy', 'http://198.51.100.10:3128', 'https://example.com/a?x=1&y=2'], 7140, 7001)), 'Event ID 1: curl --proxy http:// with &amp; in the URL (argv mode only)'],
    [sysmonLine(spec(t('09:12', 45), 'carol', ['curl', '-x', 'http://198.51.100.12:3128', 'https://example.net/'], 7150, 7002), { rawUser: 'CORP\\carol' }), 'Event ID 1: curl -x by CORP\\carol (user.name set by the integration)'],
    ['', 'malformed: the record is cut off'],
    [sysmonLine(spec(t('09:15', 0), 'root', ['python3', '/opt/tools/report.py', '--since', '1h'], 7170, 7001), { header: 'pri' }), 'Event ID 1, benign: with a <134> syslog priority'],
    [sysmonLine(spec(t('09:20', 8), 'alice', ['curl', '-X', 'POST', '-d', '{"a":1}', 'https://api.example.com/v1'], 7180, 7003), { header: 'iso' }), 'Event ID 1: curl -X POST (the analytic\'s false positive), ISO syslog timestamp'],
    [sysmonLine(spec(t('09:25', 5), 'alice', ['git', 'pull'], 7190, 7003), { header: 'none' }), 'Event ID 1, benign: the <Event> XML alone (no syslog header)'],
    [sysmonLine(bashC), 'Event ID 1: bash -c "curl -x ..." (the shell: no match)'],
    [sysmonLine(spec(t('09:30', 0) + 6, 'root', ['curl', '-x', 'socks5://203.0.113.77:1080', 'https://example.com/'], 7301, 7300, { exe: '/usr/bin/bash', argv: bashC.argv })), 'Event ID 1: the curl that bash -c started (both modes)'],
    [sysmonLine(spec(t('09:40', 0), 'alice', ['curl', '--noproxy', '*', '-x', 'http://198.51.100.99:3128', 'https://example.com/'], 7310, 7003)), "Event ID 1: curl --noproxy '*' -x (splunk mode only)"],
    [sysmonLine(spec(t('09:45', 30), 'root', ['sudo', 'apt-get', 'update'], 7320, 7001)), 'Event ID 1, benign: sudo apt-get update'],
    [sysmonLine({ ...proxied, time: t('09:50', 10) }), 'Event ID 1: the same curl -x socks5h:// again (same pid, same hour: count 2)'],
  ];
  // The malformed line: a record cut off in the middle, as a rotated or truncated log leaves it.
  const cut = sysmonLine(spec(t('09:14', 0), 'root', ['curl', '-x', 'http://198.51.100.1:3128', 'https://example.com/'], 7160, 7001));
  entries[10] = [cut.slice(0, cut.indexOf('<Data Name="CommandLine">') + 40), entries[10]?.[1] ?? ''];
  return { lines: entries.map(([line]) => line), notes: entries.map(([, note]) => note) };
}

// ---------------------------------------------------------------- expected findings

interface Expected {
  matches: number;
  findings: { host: string; user: string; process: string; count: number; firstLine: number }[];
}

/** Runs the product's classifier over the records exactly as `replay` builds them (unshifted). */
function expectedFindings(lines: readonly string[], format: ReplayFormat, mode: 'argv' | 'splunk'): Expected {
  const classifier = createClassifier(loadConfig({ env: {}, flags: { 'rule.mode': mode } }), defaultFieldMap);
  const groups = new Map<string, Expected['findings'][number]>();
  let matches = 0;
  lines.forEach((text, i) => {
    const r = parseLine(text, i + 1, { format, index: undefined });
    if (r.kind !== 'record') return;
    const c = classifier.classify({ index: r.record.index, id: r.record.id, source: r.record.document });
    if (c.kind !== 'match') return;
    matches += 1;
    const g = groups.get(c.match.findingId);
    if (g !== undefined) g.count += 1;
    else groups.set(c.match.findingId, { host: c.match.group.dest, user: c.match.group.user, process: c.match.group.process, count: 1, firstLine: i + 1 });
  });
  return { matches, findings: [...groups.values()].sort((a, b) => a.firstLine - b.firstLine) };
}

function findingsTable(e: Expected): string {
  const rows = e.findings.map((f) => `| ${f.firstLine} | ${f.host} | ${f.user} | \`${f.process.replace(/\|/g, '\\|')}\` | ${f.count} |`);
  return ['| first line | host | user | command line | count |', '|---:|---|---|---|---:|', ...rows].join('\n');
}

function main(): void {
  const ecs = ecsSample();
  const sysmon = sysmonLog();
  writeFileSync(resolve(samplesDir, 'sample-events.ndjson'), `${ecs.lines.join('\n')}\n`);
  writeFileSync(resolve(samplesDir, 'sysmon-linux.log'), `${sysmon.lines.join('\n')}\n`);

  const ecsArgv = expectedFindings(ecs.lines, 'ecs-ndjson', 'argv');
  const ecsSplunk = expectedFindings(ecs.lines, 'ecs-ndjson', 'splunk');
  const sysArgv = expectedFindings(sysmon.lines, 'sysmon-linux', 'argv');
  const sysSplunk = expectedFindings(sysmon.lines, 'sysmon-linux', 'splunk');
  const readme = renderReadme(ecs, sysmon, { ecsArgv, ecsSplunk, sysArgv, sysSplunk });
  writeFileSync(resolve(samplesDir, 'README.md'), readme);
  process.stdout.write(
    `samples/sample-events.ndjson: ${ecs.lines.length} events; argv ${ecsArgv.findings.length} findings (${ecsArgv.matches} matches), ` +
      `splunk ${ecsSplunk.findings.length} findings (${ecsSplunk.matches} matches)\n` +
      `samples/sysmon-linux.log: ${sysmon.lines.length} lines; argv ${sysArgv.findings.length} findings (${sysArgv.matches} matches), ` +
      `splunk ${sysSplunk.findings.length} findings (${sysSplunk.matches} matches)\n`,
  );
}

function renderReadme(
  ecs: ReturnType<typeof ecsSample>,
  sysmon: ReturnType<typeof sysmonLog>,
  e: { ecsArgv: Expected; ecsSplunk: Expected; sysArgv: Expected; sysSplunk: Expected },
): string {
  const specials = ecs.specials.map((s) => `| ${s.producer} | ${s.host} | \`${s.argv.join(' ').replace(/\|/g, '\\|')}\`${s.env ? ` (env ${s.env.filter((v) => v.includes('PROXY')).join(' ')})` : ''} | ${s.note} |`);
  return `# Sample datasets

Generated by \`npx tsx scripts/make-samples.ts\` (deterministic: the same files on every run).
Only documentation addresses and names appear: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
and example.com / example.org / example.net. Load them with \`curl-proxy-detector replay\`
(see docs/replay.md).

## sample-events.ndjson

${ecs.lines.length} Linux process-start events in ECS, 2026-11-02 08:00 to 13:45 UTC (under six hours),
one JSON document per line, sorted by \`@timestamp\`, from the four producers the worker reads,
each shaped the way that producer writes it:

| producer | events | index it replays into | shape |
|---|---:|---|---|
| Elastic Defend | ${ecs.counts.defend} | logs-endpoint.events.process-replay | \`event.action: exec\`, exact \`process.args\`, command line = args joined |
| Auditd Manager | ${ecs.counts.auditd_manager} | logs-auditd_manager.auditd-replay | \`event.action: executed\`, \`process.args\` and \`title\`, no command line |
| Auditbeat (auditd module) | ${ecs.counts.auditbeat} | auditbeat-replay | \`agent.type: auditbeat\`, no \`data_stream\`, no command line |
| Sysmon for Linux integration | ${ecs.counts.sysmon} | logs-sysmon_linux.log-replay | as the integration writes it: \`process.name: sysmon\`, no \`user.name\` for Linux users (raw XML in \`event.original\`), Windows-split \`process.args\`, \`event.action: log\` |

Most events are benign (sshd, systemd, cron, bash, python3, apt, git, docker, make, psql, curl
without a proxy). The interesting ones:

| producer | host | command line | what it shows |
|---|---|---|---|
${specials.join('\n')}

### Expected findings (unshifted file, hourly buckets)

Computed by running the product's classifier (\`createClassifier\`: normalize -> \`evaluate\` ->
suppressions (none) -> \`groupValues\`/\`bucketStart\`, \`aggregate.bucketMs\` = 1 h) over every record
as \`replay\` builds it. A finding is one (group, hour) pair; "count" is the analytic's \`count\`.

- **argv mode** (default): **${e.ecsArgv.findings.length} findings** from ${e.ecsArgv.matches} matching events.
- **splunk mode**: **${e.ecsSplunk.findings.length} findings** from ${e.ecsSplunk.matches} matching events.

With \`--shift-to-now\` every event moves by the same delta, so the matches stay the same but
the hour boundaries fall elsewhere: a repeated group may then split over two buckets and the
number of findings can grow by the number of repeated groups (${e.ecsArgv.findings.filter((f) => f.count > 1).length} in argv mode).

argv mode:

${findingsTable(e.ecsArgv)}

splunk mode:

${findingsTable(e.ecsSplunk)}

## sysmon-linux.log

${sysmon.lines.length} lines in the XML-in-syslog form of Splunk's attack_data Sysmon for Linux datasets
(\`Nov  2 09:00:01 jump-01 sysmon: <Event>...</Event>\`), for \`replay --format sysmon-linux\`:

| line | content |
|---:|---|
${sysmon.notes.map((n, i) => `| ${i + 1} | ${n.replace(/\|/g, '\\|')} |`).join('\n')}

Replaying it loads ${sysmon.lines.length - 3} records into \`logs-sysmon_linux.log-replay\` and skips 3: line 4
(event id 3 is not a process start), line 5 (event id 5 is not a process start) and line 11
(malformed XML).

Expected findings (unshifted): **argv mode ${e.sysArgv.findings.length} findings** from ${e.sysArgv.matches} matching events;
**splunk mode ${e.sysSplunk.findings.length} findings** from ${e.sysSplunk.matches} matching events.

argv mode:

${findingsTable(e.sysArgv)}

splunk mode:

${findingsTable(e.sysSplunk)}
`;
}

main();
