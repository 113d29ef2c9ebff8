import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { EsCluster } from '../../test/helpers/es-cluster.js';

/** The repository root (chaos/lib -> ../..). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A service the run owns and may stop: its own Elasticsearch or Redis on a port of its own. */
export interface OwnedService {
  name: 'elasticsearch' | 'redis';
  url: string;
  start(options?: { wipe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `bash scripts/<script>.sh <action> [args]` without blocking the event loop (the stream
 * goes on meanwhile). Start and stop are idempotent, so a failure is retried once: bash reads
 * a script while it runs, and a script edited meanwhile (a working copy) fails with a syntax
 * error. Other actions (a kill) run once.
 */
export async function runScript(script: 'es' | 'redis', action: string | readonly string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  const args = typeof action === 'string' ? [action] : action;
  const idempotent = args[0] === 'start' || args[0] === 'stop' || args[0] === 'restart';
  try {
    return await runScriptOnce(script, args, env, timeoutMs);
  } catch (err) {
    if (!idempotent) throw err;
    await new Promise((r) => setTimeout(r, 2_000));
    return runScriptOnce(script, args, env, timeoutMs);
  }
}

function runScriptOnce(script: 'es' | 'redis', args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/${script}.sh`, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`scripts/${script}.sh ${args.join(' ')} failed (${code ?? signal}): ${output.slice(-1500)}`));
    });
  });
}

/** The run's own Elasticsearch node (scripts/es.sh with ES_PORT); data survives a stop unless wiped. */
export function ownElasticsearch(port: number): OwnedService {
  return {
    name: 'elasticsearch',
    url: `http://127.0.0.1:${port}`,
    start: async (o = {}) => void (await runScript('es', 'start', { ES_PORT: String(port), ES_WIPE_DATA: o.wipe === true ? '1' : '0' }, 240_000)),
    stop: async () => void (await runScript('es', 'stop', { ES_PORT: String(port) }, 90_000)),
  };
}

/** The run's own Elasticsearch cluster: a service as a whole (start, stop every node) whose nodes can also die one at a time. */
export interface OwnedCluster extends OwnedService {
  name: 'elasticsearch';
  cluster: EsCluster;
}

/**
 * The run's own cluster of `nodes` nodes (scripts/es.sh ES_NODES) on `firstPort` and up; the
 * workers and the run's client talk to node 0. Stopping it stops every node (an outage).
 */
export function ownElasticsearchCluster(firstPort: number, nodes: number): OwnedCluster {
  const cluster = new EsCluster(firstPort, nodes);
  return {
    name: 'elasticsearch',
    url: cluster.url(0),
    cluster,
    start: (o = {}) => cluster.start(o.wipe === true),
    stop: () => cluster.stop(),
  };
}

/** The run's own Redis (scripts/redis.sh with REDIS_PORT: AOF on, noeviction); stop is SHUTDOWN. */
export function ownRedis(port: number, runDir: string): OwnedService {
  const env = { REDIS_PORT: String(port), REDIS_RUN_DIR: runDir };
  return {
    name: 'redis',
    url: `redis://127.0.0.1:${port}/0`,
    start: async () => void (await runScript('redis', 'start', env, 30_000)),
    stop: async () => void (await runScript('redis', 'stop', env, 30_000)),
  };
}

/**
 * The run's own Redis Sentinel set (scripts/redis.sh REDIS_TOPOLOGY=sentinel): a master on
 * `port`, `replicas` replicas on the ports after it, three sentinels from `sentinelPort`
 * (quorum 2, down-after 1 s). As a service, stop and start take the whole set down and up
 * again on its AOF files (restart-redis); its servers can also die one at a time (failover-redis).
 */
export interface OwnedSentinelSet extends OwnedService {
  name: 'redis';
  sentinelName: string;
  /** host:port of each sentinel. */
  sentinels: string[];
  /** Ports of the redis-servers; the first is the initial master. */
  serverPorts: number[];
  /** The master's port as the first answering sentinel names it (undefined when none answers). */
  masterPort(): Promise<number | undefined>;
  /** SIGKILLs the server on `port`. */
  kill(port: number): Promise<void>;
  /** Starts the server on `port` again from its config (Sentinel rewrites it to follow the master). */
  restart(port: number): Promise<void>;
  /** The role of the server on `port` and, for a replica, whether its link to the master is up. */
  role(port: number): Promise<{ role: string; linkUp: boolean } | undefined>;
  /** What a synchronous process-exit hook runs to stop the set when the run is killed. */
  stopSync(): void;
}

/** The run's own Sentinel set, named `cpd-chaos`, data in `runDir`; see OwnedSentinelSet. */
export function ownSentinelSet(port: number, sentinelPort: number, replicas: number, runDir: string): OwnedSentinelSet {
  const sentinelName = 'cpd-chaos';
  const env = { REDIS_TOPOLOGY: 'sentinel', REDIS_PORT: String(port), SENTINEL_PORT: String(sentinelPort), REDIS_REPLICAS: String(replicas), REDIS_SENTINEL_NAME: sentinelName, REDIS_RUN_DIR: runDir };
  const serverPorts = Array.from({ length: 1 + replicas }, (_, i) => port + i);
  const sentinelPorts = [0, 1, 2].map((i) => sentinelPort + i);
  const ask = async <T>(p: number, command: string[], parse: (reply: unknown) => T): Promise<T | undefined> => {
    const client = new Redis({ host: '127.0.0.1', port: p, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1_000, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return parse(await client.call(command[0] ?? '', ...command.slice(1)));
    } catch {
      return undefined;
    } finally {
      client.disconnect();
    }
  };
  const stopAll = async () => {
    // Sentinels first: with the servers gone one by one they would try a failover in between.
    for (const p of sentinelPorts) await runScript('redis', ['kill', String(p)], env, 30_000).catch(() => undefined);
    await runScript('redis', 'stop', env, 60_000);
  };
  return {
    name: 'redis',
    // The host is ignored with redis.sentinels; the URL gives the database.
    url: `redis://127.0.0.1:${port}/0`,
    sentinelName,
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    serverPorts,
    // Wiped: a fresh set (redis.sh start). Else every server and sentinel again from its config and data.
    start: async (o = {}) => {
      if (o.wipe === true) return void (await runScript('redis', 'start', env, 120_000));
      for (const p of [...serverPorts, ...sentinelPorts]) await runScript('redis', ['restart', String(p)], env, 30_000);
    },
    stop: stopAll,
    stopSync: () => void spawnSync('bash', ['scripts/redis.sh', 'stop'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: 'ignore', timeout: 60_000 }),
    masterPort: async () => {
      for (const p of sentinelPorts) {
        const addr = await ask(p, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', sentinelName], (r) => (Array.isArray(r) ? Number(r[1]) : undefined));
        if (addr !== undefined && Number.isFinite(addr)) return addr;
      }
      return undefined;
    },
    kill: async (p) => void (await runScript('redis', ['kill', String(p)], env, 30_000)),
    restart: async (p) => void (await runScript('redis', ['restart', String(p)], env, 30_000)),
    role: (p) => ask(p, ['ROLE'], (r) => (Array.isArray(r) ? { role: String(r[0]), linkUp: r[0] === 'master' || r[3] === 'connected' } : undefined)),
  };
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    const done = (used: boolean) => {
      socket.destroy();
      resolve(used);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Makes sure the run starts its own, empty services: an Elasticsearch that es.sh left on the
 * port is stopped (es.sh only stops a node it started), anything else on a port is an error,
 * because reusing it would mix another run's data into this one.
 */
export async function ensurePortsFree(es: OwnedService | undefined, esPort: number, redisPorts: readonly number[], esNodes = 1): Promise<void> {
  const esPorts = Array.from({ length: esNodes }, (_, i) => esPort + i);
  const anyInUse = async () => (await Promise.all(esPorts.map(portInUse))).some((used) => used);
  if (es !== undefined && (await anyInUse())) {
    await es.stop();
    if (await anyInUse()) throw new Error(`a port of ${esPorts.join(', ')} is in use by an Elasticsearch (or other) not started by scripts/es.sh there; pick another --es-port`);
  }
  for (const port of redisPorts) if (await portInUse(port)) throw new Error(`port ${port} is in use (a Redis left by an earlier run? stop it, or pick another --redis-port / --sentinel-port)`);
}
