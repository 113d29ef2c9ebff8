import type { Client } from '@elastic/elasticsearch';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { spawnCli, type ChildWorker } from './child-worker.js';
import { defendEvent } from './ecs-events.js';
import type { TruthEvent } from './ground-truth.js';
import { createSourceIndex, indexDocs, testConfig, waitFor, type TestNames } from './pipeline.js';
import type { RedisTopologyHandle } from './redis-topologies.js';
import { setTimeout as sleep } from 'node:timers/promises';

// The pipeline runs of the Redis topology tests (Sentinel failover, Cluster): the same backfill
// and live runs on any topology, with a hook where the test disturbs Redis.

/** The day the backfill events fall on. */
export const topologyDay = '2026-10-15';

/**
 * A day of process starts every 3 minutes: groups that repeat within an hour (so one finding
 * is built from several chunks) and one-off ones, proxied and benign.
 */
export function backfillEvents(): { docs: { id: string; doc: Record<string, unknown> }[]; truth: TruthEvent[] } {
  const docs: { id: string; doc: Record<string, unknown> }[] = [];
  const truth: TruthEvent[] = [];
  const start = Date.parse(`${topologyDay}T00:00:00Z`);
  for (let i = 0; i < 480; i++) {
    const time = new Date(start + i * 180_000 + (i % 7) * 1_000).toISOString();
    const proxied = i % 3 !== 2;
    // Repeating groups: same host, pid and command line for the whole hour.
    const repeating = i % 2 === 0;
    const hour = Math.floor(i / 20);
    const commandLine = proxied ? `curl -x socks5h://198.51.100.${i % 4}:1080 https://c2.example/${repeating ? 'beacon' : `once-${i}`}` : `curl -s https://ok.example/${i}`;
    const pid = repeating ? 5_000 + (i % 4) : 20_000 + i;
    const spec = { time, ingested: time, host: `node-${i % 4}`, user: 'mallory', commandLine, pid, ppid: 1 + (hour % 2) };
    truth.push({ ...spec, parent: 'bash', proxied });
    docs.push({ id: `bf-${i}`, doc: defendEvent(spec) });
  }
  return { docs, truth };
}

/** Config flags as the generic `CPD__A__B_C` variables, for keys a child's `--set` pairs do not carry. */
export function flagsAsEnv(flags: Record<string, unknown>): Record<string, string> {
  const segment = (s: string) => s.replace(/([A-Z])/g, '_$1').toUpperCase();
  return Object.fromEntries(Object.entries(flags).map(([k, v]) => [`CPD__${k.split('.').map(segment).join('__')}`, Array.isArray(v) ? v.join(',') : String(v)]));
}

/** The test's config on a topology (its flags), with fast polling and Sentinel/Cluster settings. */
export function topologyConfig(names: TestNames, topology: RedisTopologyHandle, flags: Record<string, unknown> = {}) {
  return testConfig(names, { 'redis.url': 'redis://127.0.0.1:6379/0', ...topology.flags, ...flags });
}

/**
 * Runs a backfill of the day by `workers` child worker processes; `disturb` runs once the
 * backfill has finished `atChunks` chunks (and before it is done). Returns the app (for
 * inspection; the caller closes it) and whether the disturbance came mid-run.
 */
export async function runBackfill(options: {
  es: Client;
  names: TestNames;
  topology: RedisTopologyHandle;
  children: ChildWorker[];
  flags?: Record<string, unknown>;
  workerEnv?: Record<string, string>;
  atChunks?: number;
  disturb?: () => Promise<void>;
}): Promise<{ app: App; disturbedAt: number | undefined; chunks: number; msAfterDisturbance: number | undefined }> {
  const { es, names, topology, children } = options;
  const { docs } = backfillEvents();
  await createSourceIndex(es, names.index('defend'));
  await indexDocs(es, names.index('defend'), docs);
  const config = topologyConfig(names, topology, { 'backfill.chunkMs': 1_800_000, 'backfill.chunkCandidates': 0, 'log.level': 'info', ...options.flags });
  const env = { ...topology.env, ...flagsAsEnv({ 'worker.backfillConcurrency': 1, ...options.flags }), ...options.workerEnv };
  children.push(spawnCli(config, ['run', '--no-live'], env));
  for (const c of children) await waitFor('a worker to start', async () => c.output(), (out) => out.includes('worker-started'), 60_000, 100);
  const app = createApp(config, silentLogger());
  const { record } = await app.backfills.create({ fromMs: Date.parse(`${topologyDay}T00:00:00Z`), toMs: Date.parse(`${topologyDay}T23:59:59Z`), indexPatterns: [...config.source.indexPatterns] });
  let disturbedAt: number | undefined;
  let disturbedMs: number | undefined;
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the backfill did not finish within 240 s:\n${children.map((c) => c.output()).join('\n---\n').slice(-4000)}`);
    // Reads may fail while Redis fails over: try again.
    const r = await app.backfills.get(record.id).catch(() => undefined);
    if (r?.status === 'done') break;
    if (options.disturb !== undefined && disturbedAt === undefined && r !== undefined && r.chunksDone >= (options.atChunks ?? 0)) {
      disturbedAt = r.chunksDone;
      disturbedMs = Date.now();
      await options.disturb();
    }
    await sleep(100);
  }
  return { app, disturbedAt, chunks: record.chunks, msAfterDisturbance: disturbedMs === undefined ? undefined : Date.now() - disturbedMs };
}

/**
 * Live mode on a topology: a `run` worker while batches of events arrive; `disturb(batch)` is
 * called before each batch. Returns the truth; it waits for the live cursor to pass the last
 * event.
 */
export async function runLive(options: {
  es: Client;
  names: TestNames;
  topology: RedisTopologyHandle;
  children: ChildWorker[];
  flags?: Record<string, unknown>;
  batches?: number;
  disturb?: (batch: number) => Promise<void>;
}): Promise<{ app: App; truth: TruthEvent[] }> {
  const { es, names, topology, children } = options;
  await createSourceIndex(es, names.index('defend'));
  const config = topologyConfig(names, topology, { 'live.initialLookbackMs': 60_000, ...options.flags });
  children.push(spawnCli(config, ['run'], { ...topology.env, ...flagsAsEnv(options.flags ?? {}) }));
  const app = createApp(config, silentLogger());
  const truth: TruthEvent[] = [];
  let lastIngest = 0;
  for (let batch = 0; batch < (options.batches ?? 12); batch++) {
    await options.disturb?.(batch);
    const now = new Date();
    const docs = [];
    for (let i = 0; i < 8; i++) {
      // Per batch: one group that grows, two new proxied processes, five benign ones.
      const proxied = i < 3;
      const pid = i === 0 ? 77 : 10_000 + batch * 10 + i;
      const commandLine = proxied ? `curl -x socks5h://198.51.100.${i}:1080 https://c2.example/${i === 0 ? 'beacon' : `b${batch}`}` : `curl -s https://ok.example/${batch}/${i}`;
      const spec = { time: now.toISOString(), ingested: now.toISOString(), host: `h${i % 2}`, user: 'mallory', commandLine, pid, ppid: 1 };
      truth.push({ ...spec, parent: 'bash', proxied });
      docs.push({ id: `b${batch}-e${i}`, doc: defendEvent(spec) });
    }
    await indexDocs(es, names.index('defend'), docs);
    lastIngest = now.getTime();
    await sleep(500);
  }
  await waitFor(
    'the live cursor to pass the last event',
    async () => Number(await app.redis.get(app.keys.liveCursor).catch(() => 0)),
    (c) => c > lastIngest,
    180_000,
    250,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${children.map((c) => c.output()).join('\n---\n').slice(-4000)}`);
  });
  return { app, truth };
}
