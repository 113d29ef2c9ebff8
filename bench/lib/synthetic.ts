import { producerEvent, producers, type Producer, type ProcessSpec } from '../../test/helpers/ecs-events.js';
import { prng } from '../../test/support/random.js';
import { shownCommandLine } from '../../test/support/shown-command-line.js';

/**
 * Deterministic synthetic ECS process-start events for the pipeline benchmarks, and the ground
 * truth of what a correct detector finds in them. The truth is computed here from what the
 * generator chose to make (it knows which invocations it sent through a proxy), never by
 * running the product's normalizer or rule.
 *
 * Mix per process start: ~0.9% curl without a proxy (decoys: -X POST, headers mentioning
 * proxies, --noproxy '*'), ~0.1% curl through a proxy (HTTP and SOCKS, short and long options),
 * ~2% Elastic Defend `fork` starts (not executions), the rest ordinary Linux programs, some of
 * which mention proxies in their arguments (pip --proxy, wget -e https_proxy=..., docker -e).
 * Every host runs one producer: mostly Elastic Defend, some Auditd Manager, Auditbeat and
 * Sysmon for Linux, so each source's quirks appear in the proportions a fleet would have.
 */

export { producers, type Producer };

/** Share of hosts per producer. */
const producerWeights: Readonly<Record<Producer, number>> = { defend: 0.7, auditd_manager: 0.12, auditbeat: 0.1, sysmon_linux: 0.08 };

/** Index suffix per producer (under `<prefix>-src-`), named after each integration's dataset. */
export const producerIndexSuffix: Readonly<Record<Producer, string>> = {
  defend: 'endpoint.events.process',
  auditd_manager: 'auditd_manager.auditd',
  auditbeat: 'auditbeat',
  sysmon_linux: 'sysmon_linux.log',
};

/** What to generate. Times are epoch ms; events are spread evenly over [fromMs, toMs). */
export interface DatasetSpec {
  events: number;
  seed: number;
  fromMs: number;
  toMs: number;
  hosts: number;
  users: number;
  /** Aggregation bucket of the groups in the truth (the product's `aggregate.bucketMs`). */
  bucketMs: number;
  /** Share of process starts that are curl through a proxy (default 0.001). */
  proxiedRate?: number;
  /** Share of process starts that are curl without a proxy (default 0.009). */
  plainCurlRate?: number;
}

/** One generated document and where it goes. */
export interface SyntheticDoc {
  producer: Producer;
  doc: Record<string, unknown>;
  /** Set for curl-through-proxy events. */
  proxied: boolean;
}

/** A finding the detector must produce: one analytic group in one bucket. */
export interface ExpectedGroup {
  host: string;
  user: string;
  /** Undefined for producers that do not record the parent's name or executable (findings leave it out). */
  parentName: string | undefined;
  pid: number;
  ppid: number;
  commandLine: string;
  bucketStartMs: number;
  count: number;
  firstMs: number;
  lastMs: number;
}

/** What a correct detector finds, and what each push-down should make Elasticsearch return. */
export interface GroundTruth {
  events: number;
  byProducer: Record<Producer, number>;
  curl: number;
  /** curl through a proxy: the expected number of matches. */
  proxied: number;
  /** Elastic Defend fork starts (process starts that are not executions). */
  forks: number;
  /** Documents with process.name curl or sysmon (any case) or none: what push-down `names` returns. */
  nameCandidates: number;
  /** Expected findings, keyed by {@link groupKey}. */
  groups: Map<string, ExpectedGroup>;
}

/** The key a finding is compared on: host, pid, parent pid and bucket identify a group here. */
export function groupKey(host: string, pid: number, ppid: number, bucketStartMs: number): string {
  return `${host}|${pid}|${ppid}|${bucketStartMs}`;
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const site = (r: Rand): string => `${pick(r, ['api', 'cdn', 'repo', 'git', 'auth', 'metrics', 'files'])}${int(r, 1, 60)}.${pick(r, ['example.com', 'corp.internal', 'example.org'])}`;

/** argv of ordinary programs; argv[0] is the executable. No argument contains a space. */
const OTHER: readonly ((r: Rand) => string[])[] = [
  (r) => ['/usr/bin/ls', '-la', `/var/log/app${int(r, 1, 9)}`],
  (r) => ['/bin/bash', `/opt/scripts/backup-${int(r, 1, 40)}.sh`],
  () => ['/bin/bash', '-l'],
  (r) => ['/usr/bin/python3', '/opt/app/manage.py', 'runserver', `0.0.0.0:${int(r, 8000, 8100)}`, '--noreload'],
  (r) => ['/usr/bin/python3', '-m', 'pip', 'install', '--proxy', `http://proxy${int(r, 1, 3)}.corp:3128`, 'requests'],
  (r) => ['/usr/bin/wget', '-q', '-e', 'use_proxy=yes', '-e', 'https_proxy=http://proxy.corp:3128', `https://${site(r)}/file`],
  (r) => ['/usr/bin/git', '-c', 'http.proxy=http://proxy.corp:3128', 'fetch', 'origin', `feature/x-${int(r, 1, 500)}`],
  (r) => ['/usr/bin/ssh', '-o', 'ProxyJump=bastion01', `db-${int(r, 1, 20)}`],
  (r) => ['/usr/bin/grep', '-rn', pick(r, ['proxy', 'socks5://', 'TODO', '--proxy']), '/etc'],
  (r) => ['/usr/bin/tar', '-xzf', `/tmp/release-${int(r, 1, 999)}.tar.gz`, '-C', '/opt'],
  (r) => ['/usr/bin/docker', 'run', '--rm', '-e', 'HTTPS_PROXY=http://proxy.corp:3128', `registry.corp/app:${int(r, 1, 300)}`],
  (r) => ['/usr/bin/kubectl', 'get', 'pods', '-n', pick(r, ['default', 'kube-system', 'prod']), '-o', 'wide'],
  (r) => ['/usr/bin/node', '/srv/web/server.js', `--port=${int(r, 3000, 3999)}`],
  () => ['/usr/sbin/cron', '-f'],
  () => ['/usr/lib/systemd/systemd-journald'],
  (r) => ['/usr/bin/sleep', String(int(r, 1, 60))],
  () => ['/usr/bin/cat', '/proc/meminfo'],
  () => ['/usr/bin/ps', 'aux'],
  (r) => ['/usr/bin/sed', '-i', 's/foo/bar/g', `/etc/app/${int(r, 1, 99)}.conf`],
  (r) => ['/usr/bin/apt-get', 'install', '-y', pick(r, ['curl', 'jq', 'socat', 'ca-certificates'])],
  (r) => ['/usr/bin/curlftpfs', `ftp://${site(r)}/`, '/mnt/ftp'],
  (r) => ['/usr/bin/rsync', '-az', '/srv/data/', `backup${int(r, 1, 5)}:/data/`],
  (r) => ['/usr/bin/systemctl', 'status', `app${int(r, 1, 40)}.service`],
  (r) => {
    const jars = Array.from({ length: int(r, 20, 80) }, (_, i) => `/opt/app/lib/dep-${i}-${int(r, 1, 9)}.${int(r, 0, 20)}.jar`);
    return ['/usr/lib/jvm/java-17/bin/java', '-Xmx2g', '-Dhttp.proxyHost=proxy.corp', '-Dhttp.proxyPort=3128', '-cp', jars.join(':'), 'com.example.Main'];
  },
];

/** curl without any proxy: what most curl executions look like, and a few near-misses. */
const CURL_PLAIN: readonly ((r: Rand) => string[])[] = [
  (r) => ['curl', '-s', `https://${site(r)}/v1/health`],
  (r) => ['curl', '-X', 'POST', '-H', 'Content-Type:application/json', '-d', `{"id":${int(r, 1, 9999)}}`, `https://${site(r)}/v1/items`],
  (r) => ['curl', '-fsSL', `https://${site(r)}/install.sh`, '-o', '/tmp/install.sh'],
  (r) => ['curl', '-o', '/tmp/socks5-proxy.tar.gz', `https://${site(r)}/dl`],
  (r) => ['curl', '-H', `X-Proxy-Id:${int(r, 1, 9)}`, `https://${site(r)}/`],
  (r) => ['curl', '-u', `ci:${int(r, 100000, 999999)}`, `https://${site(r)}/artifactory/api/storage/libs`],
  () => ['curl', '-k', '-L', '--max-time', '10', 'http://169.254.169.254/latest/meta-data/'],
  (r) => ['curl', '-I', `https://${site(r)}/`],
  (r) => ['curl', '--noproxy', '*', '-x', 'http://proxy.corp:3128', `https://${site(r)}/`],
];

/** curl through a proxy, in the forms curl accepts. No argument needs shell quoting. */
const CURL_PROXY: readonly ((r: Rand) => string[])[] = [
  (r) => ['curl', '-x', `http://proxy.corp:${int(r, 3000, 3999)}`, `https://${site(r)}/`],
  (r) => ['curl', '--proxy', `socks5h://10.${int(r, 0, 255)}.0.${int(r, 1, 254)}:1080`, `https://${site(r)}/`],
  (r) => ['curl', '-sS', '--socks5', `10.0.${int(r, 0, 255)}.${int(r, 1, 254)}:1080`, `https://${site(r)}/`],
  (r) => ['curl', '--socks5-hostname', `tor${int(r, 1, 9)}:9050`, `http://${site(r)}/`],
  (r) => ['curl', '--preproxy', 'socks5://a.corp:1080', '-x', 'http://b.corp:3128', `https://${site(r)}/`],
  (r) => ['curl', '-x', 'socks4a://s.corp:1080', '-o', '/tmp/p.bin', `https://${site(r)}/`],
  (r) => ['curl', `--proxy=http://p${int(r, 1, 9)}.corp:8080`, '-k', `https://${site(r)}/`],
  (r) => ['curl', '-fsSLx', 'http://p.corp:3128', `https://${site(r)}/`],
  (r) => ['curl', '--socks4', `s.corp:${int(r, 1000, 9999)}`, `https://${site(r)}/`],
  (r) => ['curl', '-U', 'svc:pw', '-x', 'http://p.corp:3128', `https://${site(r)}/`],
];

const PARENTS = ['bash', 'sh', 'zsh', 'python3', 'cron', 'systemd', 'sshd', 'node', 'java', 'make', 'ansible-playbook', 'sudo'] as const;

/** Producers that record the parent's name or executable (for the others the finding has no parent name). */
const knowsParent: Readonly<Record<Producer, boolean>> = { defend: true, auditd_manager: false, auditbeat: false, sysmon_linux: true };

interface Host {
  name: string;
  producer: Producer;
}

interface ProxiedSpec {
  host: Host;
  spec: ProcessSpec;
  bucketStartMs: number;
}

/**
 * A seeded stream of events in time order. `next(n)` returns the next batch; `truth` is
 * complete once every event was taken. The same spec gives the same documents every run.
 */
export class SyntheticStream {
  readonly truth: GroundTruth;
  readonly #spec: Required<DatasetSpec>;
  readonly #rand: Rand;
  readonly #hosts: Host[];
  readonly #users: string[];
  #emitted = 0;
  #lastProxied: ProxiedSpec | undefined;

  constructor(spec: DatasetSpec) {
    this.#spec = { proxiedRate: 0.001, plainCurlRate: 0.009, ...spec };
    this.#rand = prng(spec.seed);
    const r = this.#rand;
    const roles = ['web', 'db', 'ci', 'build', 'app', 'k8s-node', 'bastion', 'dev', 'cache', 'batch'];
    this.#hosts = Array.from({ length: spec.hosts }, (_, i) => ({ name: `${roles[i % roles.length] as string}-${String(i).padStart(4, '0')}.bench.internal`, producer: weighted(r, producerWeights) }));
    const named = ['root', 'www-data', 'ubuntu', 'deploy', 'jenkins', 'ci'];
    this.#users = Array.from({ length: spec.users }, (_, i) => named[i] ?? `user${String(i).padStart(2, '0')}`);
    this.truth = {
      events: 0,
      byProducer: { defend: 0, auditd_manager: 0, auditbeat: 0, sysmon_linux: 0 },
      curl: 0,
      proxied: 0,
      forks: 0,
      nameCandidates: 0,
      groups: new Map(),
    };
  }

  /** True when every event was generated. */
  get done(): boolean {
    return this.#emitted >= this.#spec.events;
  }

  /** The next `count` events (fewer at the end). */
  next(count: number): SyntheticDoc[] {
    const out: SyntheticDoc[] = [];
    while (out.length < count && this.#emitted < this.#spec.events) out.push(this.#one(this.#emitted++));
    return out;
  }

  #one(i: number): SyntheticDoc {
    const r = this.#rand;
    const s = this.#spec;
    const timeMs = Math.min(s.fromMs + Math.floor(((i + r()) * (s.toMs - s.fromMs)) / s.events), s.toMs - 1);
    return this.at(timeMs, timeMs + int(r, 500, 30_000));
  }

  /**
   * One event at the given event and ingest times (the live loader stamps the current time),
   * counted in the truth like the others.
   */
  at(timeMs: number, ingestedMs: number): SyntheticDoc {
    const r = this.#rand;
    const s = this.#spec;
    const roll = r();
    let host = pick(r, this.#hosts);
    let argv: string[];
    let user = pick(r, this.#users);
    let parent: string = pick(r, PARENTS);
    let pid = int(r, 300, 4_194_303);
    let ppid = int(r, 1, 4_194_303);
    let proxied = false;
    let fork = false;
    if (roll < s.proxiedRate) {
      proxied = true;
      const bucketStartMs = Math.floor(timeMs / s.bucketMs) * s.bucketMs;
      const again = this.#lastProxied;
      if (again !== undefined && again.bucketStartMs === bucketStartMs && r() < 0.05) {
        // The same process seen twice in a bucket (the analytic's count > 1).
        ({ host } = again);
        ({ user, pid, ppid } = again.spec);
        parent = again.spec.parentName ?? 'bash';
        argv = again.spec.commandLine.split(' ');
      } else {
        argv = pick(r, CURL_PROXY)(r);
        while (this.truth.groups.has(groupKey(host.name, pid, ppid, bucketStartMs))) pid = int(r, 300, 4_194_303);
      }
    } else if (roll < s.proxiedRate + s.plainCurlRate) {
      argv = pick(r, CURL_PLAIN)(r);
    } else {
      argv = pick(r, OTHER)(r);
      fork = host.producer === 'defend' && r() < 0.02;
    }
    const executable = argv[0]?.startsWith('/') === true ? (argv[0] as string) : `/usr/bin/${argv[0] ?? 'unknown'}`;
    const spec: ProcessSpec = {
      time: new Date(timeMs).toISOString(),
      host: host.name,
      user,
      commandLine: argv.join(' '),
      pid,
      ppid,
      parentName: parent,
      executable,
      ingested: new Date(ingestedMs).toISOString(),
    };
    const doc = render(host.producer, spec, fork);
    this.#count(host, spec, executable, proxied, fork, timeMs);
    return { producer: host.producer, doc, proxied };
  }

  #count(host: Host, spec: ProcessSpec, executable: string, proxied: boolean, fork: boolean, timeMs: number): void {
    const t = this.truth;
    t.events += 1;
    t.byProducer[host.producer] += 1;
    const isCurl = executable.endsWith('/curl');
    if (isCurl) t.curl += 1;
    if (fork) t.forks += 1;
    if (host.producer === 'sysmon_linux' || isCurl) t.nameCandidates += 1;
    if (!proxied) return;
    t.proxied += 1;
    const bucketStartMs = Math.floor(timeMs / this.#spec.bucketMs) * this.#spec.bucketMs;
    const key = groupKey(host.name, spec.pid, spec.ppid, bucketStartMs);
    const g = t.groups.get(key);
    if (g === undefined) {
      t.groups.set(key, {
        host: host.name,
        user: spec.user,
        parentName: knowsParent[host.producer] ? (spec.parentName ?? 'bash') : undefined,
        pid: spec.pid,
        ppid: spec.ppid,
        commandLine: shownCommandLine(spec.commandLine.split(' ')),
        bucketStartMs,
        count: 1,
        firstMs: timeMs,
        lastMs: timeMs,
      });
    } else {
      g.count += 1;
      g.firstMs = Math.min(g.firstMs, timeMs);
      g.lastMs = Math.max(g.lastMs, timeMs);
    }
    this.#lastProxied = { host, spec, bucketStartMs };
  }
}

/** The document a producer writes for a process start (shapes shared with the integration tests). */
export function render(producer: Producer, spec: ProcessSpec, fork = false): Record<string, unknown> {
  const doc = producerEvent(producer, spec);
  if (fork && producer === 'defend') (doc.event as Record<string, unknown>).action = 'fork';
  return doc;
}

function weighted<K extends string>(r: Rand, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = r() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return (entries[entries.length - 1] as [K, number])[0];
}
