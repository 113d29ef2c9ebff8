import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const script = fileURLToPath(new URL('../../scripts/redis.sh', import.meta.url));

/** Where a topology listens: redis-servers from `port`, sentinels from `sentinelPort`. */
export interface TopologyPorts {
  port: number;
  sentinelPort?: number;
}

/**
 * A Redis Sentinel set or Redis Cluster of real `redis-server` processes on loopback ports,
 * started by scripts/redis.sh (REDIS_TOPOLOGY=...), fresh data each start. `stop()` runs in
 * the test's `after`; a process exit stops it too, so a failing test leaves no server behind.
 */
export interface RedisTopologyHandle {
  kind: 'sentinel' | 'cluster';
  /** The environment a worker needs (REDIS_SENTINELS and REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES). */
  env: Record<string, string>;
  /** The same as config flags (`redis.sentinels`, ...), for an in-process config. */
  flags: Record<string, unknown>;
  /** Ports of the redis-servers (the first is the initial master of a Sentinel set). */
  serverPorts: number[];
  /** SIGKILLs the server on `port`. */
  kill(port: number): void;
  /** Starts the server on `port` again from its (possibly Sentinel-rewritten) config. */
  restart(port: number): void;
  /** The master's port as the sentinels report it (Sentinel only). */
  masterPort(): number | undefined;
  /** Waits until the sentinels report a master other than `port`; returns the new one. */
  waitForFailover(fromPort: number, timeoutMs?: number): Promise<number>;
  stop(): void;
}

function run(env: Record<string, string>, args: readonly string[]): string {
  const r = spawnSync('bash', [script, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`redis.sh ${args.join(' ')} failed (${String(r.status ?? r.signal)}): ${r.stderr}`);
  return r.stdout;
}

/** Starts a topology: Sentinel (master, `replicas` replicas, 3 sentinels) or Cluster (`masters` masters). */
export function startRedisTopology(kind: 'sentinel' | 'cluster', ports: TopologyPorts, options: { replicas?: number; masters?: number } = {}): RedisTopologyHandle {
  const env: Record<string, string> = { REDIS_TOPOLOGY: kind, REDIS_PORT: String(ports.port) };
  if (kind === 'sentinel') {
    env.SENTINEL_PORT = String(ports.sentinelPort ?? 26400);
    env.REDIS_REPLICAS = String(options.replicas ?? 1);
  } else {
    env.REDIS_CLUSTER_MASTERS = String(options.masters ?? 3);
  }
  const stop = () => {
    process.off('exit', stop);
    run(env, ['stop']);
  };
  process.on('exit', stop);
  try {
    run(env, ['start']);
  } catch (err) {
    stop();
    throw err;
  }
  const workerEnv = Object.fromEntries(
    run(env, ['env'])
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const count = kind === 'sentinel' ? 1 + (options.replicas ?? 1) : (options.masters ?? 3);
  const flags: Record<string, unknown> =
    kind === 'sentinel'
      ? { 'redis.sentinels': workerEnv.REDIS_SENTINELS?.split(','), 'redis.sentinelName': workerEnv.REDIS_SENTINEL_NAME }
      : { 'redis.clusterNodes': workerEnv.REDIS_CLUSTER_NODES?.split(',') };
  const masterPort = () => {
    const out = spawnSync('bash', [script, 'master'], { env: { ...process.env, ...env }, encoding: 'utf8' }).stdout.trim();
    const port = Number(out.split(':').pop());
    return out === '' || !Number.isFinite(port) ? undefined : port;
  };
  return {
    kind,
    env: workerEnv,
    flags,
    serverPorts: Array.from({ length: count }, (_, i) => ports.port + i),
    kill: (port) => void run(env, ['kill', String(port)]),
    restart: (port) => void run(env, ['restart', String(port)]),
    masterPort,
    async waitForFailover(fromPort, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const now = masterPort();
        if (now !== undefined && now !== fromPort) return now;
        await sleep(100);
      }
      throw new Error(`the sentinels still name port ${fromPort} as master after ${timeoutMs} ms`);
    },
    stop,
  };
}
