import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
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
 * Runs `bash scripts/<script>.sh <action>` without blocking the event loop (the stream goes on
 * meanwhile). Both actions are idempotent, so a failure is retried once: bash reads a script
 * while it runs, and a script edited meanwhile (a working copy) fails with a syntax error.
 */
export async function runScript(script: 'es' | 'redis', action: 'start' | 'stop', env: Record<string, string>, timeoutMs: number): Promise<void> {
  try {
    await runScriptOnce(script, action, env, timeoutMs);
  } catch {
    await new Promise((r) => setTimeout(r, 2_000));
    await runScriptOnce(script, action, env, timeoutMs);
  }
}

function runScriptOnce(script: 'es' | 'redis', action: 'start' | 'stop', env: Record<string, string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/${script}.sh`, action], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (code === 0) resolve();
      else reject(new Error(`scripts/${script}.sh ${action} failed (${code ?? signal}): ${output.slice(-1500)}`));
    });
  });
}

/** The run's own Elasticsearch node (scripts/es.sh with ES_PORT); data survives a stop unless wiped. */
export function ownElasticsearch(port: number): OwnedService {
  return {
    name: 'elasticsearch',
    url: `http://127.0.0.1:${port}`,
    start: (o = {}) => runScript('es', 'start', { ES_PORT: String(port), ES_WIPE_DATA: o.wipe === true ? '1' : '0' }, 240_000),
    stop: () => runScript('es', 'stop', { ES_PORT: String(port) }, 90_000),
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
    start: () => runScript('redis', 'start', env, 30_000),
    stop: () => runScript('redis', 'stop', env, 30_000),
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
export async function ensurePortsFree(es: OwnedService | undefined, esPort: number, redisPort: number, esNodes = 1): Promise<void> {
  const esPorts = Array.from({ length: esNodes }, (_, i) => esPort + i);
  const anyInUse = async () => (await Promise.all(esPorts.map(portInUse))).some((used) => used);
  if (es !== undefined && (await anyInUse())) {
    await es.stop();
    if (await anyInUse()) throw new Error(`a port of ${esPorts.join(', ')} is in use by an Elasticsearch (or other) not started by scripts/es.sh there; pick another --es-port`);
  }
  if (await portInUse(redisPort)) throw new Error(`port ${redisPort} is in use (a Redis left by an earlier run? stop it, or pick another --redis-port)`);
}
