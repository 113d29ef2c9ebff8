import type { OwnedCluster, OwnedSentinelSet, OwnedService } from './services.js';
import type { WorkerFleet } from './workers.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The faults the run injects. A new kind is one name here, one handler in FaultInjector and,
 * when it acts on a new service, one field of FaultTargets.
 */
export const faultKinds = ['kill-leader', 'kill-follower', 'restart-redis', 'stop-elasticsearch', 'kill-es-node', 'failover-redis'] as const;

/** One of faultKinds. */
export type FaultKind = (typeof faultKinds)[number];

/** How long a fault lasts when the plan does not say (ms). */
export const defaultDownMs: Readonly<Record<FaultKind, number>> = {
  'kill-leader': 1_000,
  'kill-follower': 1_000,
  'restart-redis': 1_000,
  'stop-elasticsearch': 30_000,
  'kill-es-node': 15_000,
  'failover-redis': 5_000,
};

/**
 * The service each kind takes down. Faults on one service run one after the other: a node
 * still booting after kill-es-node must not be stopped half-way by stop-elasticsearch (its
 * start would wait for a master that is gone). Worker faults each act on their own slot.
 */
export const faultService: Readonly<Record<FaultKind, 'elasticsearch' | 'redis' | undefined>> = {
  'kill-leader': undefined,
  'kill-follower': undefined,
  'restart-redis': 'redis',
  'stop-elasticsearch': 'elasticsearch',
  'kill-es-node': 'elasticsearch',
  'failover-redis': 'redis',
};

/** One planned fault, at an offset from the start of the live stream. */
export interface FaultPlan {
  atMs: number;
  kind: FaultKind;
  /** How long the service stays down (Redis, Elasticsearch) or the slot stays empty (workers). */
  downMs: number;
}

/** What happened, for the report. Times are ms from the start of the stream. */
export interface FaultRecord {
  kind: FaultKind;
  plannedAtMs: number;
  startedAtMs: number;
  /** When the service was down / the process dead. */
  downAtMs: number | undefined;
  /** When it answered / ran again. */
  upAtMs: number | undefined;
  startedAt: string;
  target: string;
  /** failover-redis: from the kill until the sentinels named another master. */
  failoverMs?: number;
  error: string | undefined;
}

/** What the injector acts on. */
export interface FaultTargets {
  fleet: WorkerFleet;
  redis: OwnedService;
  /** Undefined when the run shares an Elasticsearch it may not stop. */
  elasticsearch: OwnedService | undefined;
  /** The same service when it is a cluster whose nodes can die one at a time; else undefined. */
  esCluster: OwnedCluster | undefined;
  /** The node to kill for kill-es-node: it holds the source primaries; undefined while none is started. */
  esNodeToKill(): Promise<number | undefined>;
  /** The same Redis when it is a Sentinel set whose master can die; else undefined. */
  sentinelSet: OwnedSentinelSet | undefined;
  /** The backfill's progress right now ("running 12/96 chunks"), for the record; undefined before it exists. */
  backfillProgress(): Promise<string | undefined>;
  /** Pid of the worker holding the live lease, if known. */
  leaderPid(): Promise<number | undefined>;
  log(line: string): void;
}


/** Runs a fault plan against the fleet and the services, each fault at its time; records everything. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly #t: FaultTargets;
  #t0 = 0;
  /** The last fault begun on each service: the next one waits for it to end. */
  readonly #busy = new Map<string, Promise<void>>();
  /** What each kind does; a kind whose service the run does not own says so in the record. */
  readonly #handlers: Readonly<Record<FaultKind, (f: FaultPlan, rec: FaultRecord) => Promise<void>>> = {
    'kill-leader': (f, rec) => this.#killWorker(f, rec),
    'kill-follower': (f, rec) => this.#killWorker(f, rec),
    'restart-redis': (f, rec) => this.#bounce(this.#t.redis, f, rec),
    'stop-elasticsearch': async (f, rec) => {
      if (this.#t.elasticsearch === undefined) rec.target = 'skipped: shared Elasticsearch';
      else await this.#bounce(this.#t.elasticsearch, f, rec);
    },
    'kill-es-node': async (f, rec) => {
      if (this.#t.esCluster === undefined) rec.target = 'skipped: not a cluster (--es-nodes 1 or --shared-es)';
      else await this.#killEsNode(this.#t.esCluster, f, rec);
    },
    'failover-redis': async (f, rec) => {
      if (this.#t.sentinelSet === undefined) rec.target = 'skipped: not a Sentinel set (--redis single)';
      else await this.#failoverRedis(this.#t.sentinelSet, f, rec);
    },
  };

  constructor(targets: FaultTargets) {
    this.#t = targets;
  }

  /** Runs the plan from `t0` (epoch ms); resolves when every fault is over (services back). */
  async run(plan: readonly FaultPlan[], t0: number, stopAt: number): Promise<void> {
    this.#t0 = t0;
    await Promise.all(
      plan.map(async (f) => {
        const due = t0 + f.atMs;
        if (due > stopAt) return;
        await sleep(Math.max(0, due - Date.now()));
        const service = faultService[f.kind];
        if (service === undefined) return this.#inject(f);
        const previous = this.#busy.get(service) ?? Promise.resolve();
        const mine = previous.then(() => this.#inject(f));
        this.#busy.set(service, mine);
        await mine;
      }),
    );
  }

  async #inject(f: FaultPlan): Promise<void> {
    const rec: FaultRecord = {
      kind: f.kind,
      plannedAtMs: f.atMs,
      startedAtMs: this.#now(),
      downAtMs: undefined,
      upAtMs: undefined,
      startedAt: new Date().toISOString(),
      target: '',
      error: undefined,
    };
    this.records.push(rec);
    try {
      await this.#handlers[f.kind](f, rec);
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
      this.#t.log(`fault ${f.kind} failed: ${rec.error}`);
    }
  }

  async #killWorker(f: FaultPlan, rec: FaultRecord): Promise<void> {
    const { fleet } = this.#t;
    const leaderPid = await this.#t.leaderPid().catch(() => undefined);
    const leaderSlot = leaderPid === undefined ? undefined : fleet.slotOf(leaderPid);
    let slot: number;
    if (f.kind === 'kill-leader') slot = leaderSlot ?? 0;
    else slot = leaderSlot === 0 ? 1 : 0;
    const w = await fleet.kill(slot, 'SIGKILL');
    rec.downAtMs = this.#now();
    const role = leaderSlot === undefined ? 'lease holder unknown' : leaderSlot === slot ? 'lease holder' : 'follower';
    rec.target = `slot ${slot} pid ${w?.pid ?? '?'} (${role})`;
    this.#t.log(`SIGKILL worker ${rec.target}`);
    await sleep(f.downMs);
    const fresh = fleet.restart(slot);
    rec.upAtMs = this.#now();
    rec.target += ` -> pid ${fresh.pid}`;
  }

  async #bounce(service: OwnedService, f: FaultPlan, rec: FaultRecord): Promise<void> {
    rec.target = service.url;
    this.#t.log(`stopping ${service.name} (${service.url}) for ${f.downMs} ms`);
    await service.stop();
    rec.downAtMs = this.#now();
    await sleep(f.downMs);
    await service.start();
    rec.upAtMs = this.#now();
    this.#t.log(`${service.name} is back after ${rec.upAtMs - (rec.downAtMs ?? rec.startedAtMs)} ms down`);
  }

  /**
   * SIGKILLs the node holding the source primaries, as a crash would (its replicas elsewhere
   * become primaries), and starts it again with its data after `downMs`. Right after another
   * fault no primary may be started yet: the node is looked for for up to a minute.
   */
  async #killEsNode(es: OwnedCluster, f: FaultPlan, rec: FaultRecord): Promise<void> {
    let node: number | undefined;
    for (const deadline = Date.now() + 60_000; node === undefined && Date.now() < deadline; ) {
      node = await this.#t.esNodeToKill().catch(() => undefined);
      if (node === undefined) await sleep(1_000);
    }
    if (node === undefined) throw new Error('no node holds a started primary of the source indices');
    rec.target = `${es.cluster.nodeName(node)} (${es.cluster.url(node)})`;
    this.#t.log(`SIGKILL Elasticsearch node ${rec.target}, the holder of the source primaries, for ${f.downMs} ms`);
    await es.cluster.kill(node);
    rec.downAtMs = this.#now();
    await sleep(f.downMs);
    await es.cluster.startNode(node);
    rec.upAtMs = this.#now();
    this.#t.log(`Elasticsearch node ${rec.target} rejoined after ${rec.upAtMs - rec.downAtMs} ms down`);
  }

  /**
   * SIGKILLs the master the sentinels name, as a crash would, waits for them to promote a
   * replica, and starts the old master again after `downMs`: the sentinels make it a replica of
   * the new one. Up is when it is a replica with its link up, i.e. the set is whole again.
   * Every replica must be linked before the kill, so the promoted one holds what the master had
   * (up to replication lag: redis.waitReplicas covers that) and a later fault finds a whole set.
   */
  async #failoverRedis(set: OwnedSentinelSet, f: FaultPlan, rec: FaultRecord): Promise<void> {
    let from: number | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      from = await set.masterPort();
      if (from === undefined) continue;
      const roles = await Promise.all(set.serverPorts.map((p) => set.role(p)));
      if (roles.every((r) => r?.linkUp === true) && roles.filter((r) => r?.role === 'master').length === 1) break;
    }
    if (from === undefined) throw new Error('no sentinel names a master');
    const backfill = await this.#t.backfillProgress().catch(() => undefined);
    rec.target = `master 127.0.0.1:${from}${backfill === undefined ? '' : ` (backfill ${backfill})`}`;
    this.#t.log(`SIGKILL the Redis ${rec.target}, start it again after ${f.downMs} ms`);
    // Timed from the request: redis.sh sends SIGKILL first, then waits (up to seconds) for the pid to go.
    const killedAt = Date.now();
    rec.downAtMs = this.#now();
    await set.kill(from);
    let to: number | undefined;
    for (const deadline = killedAt + 60_000; Date.now() < deadline; await sleep(100)) {
      to = await set.masterPort();
      if (to !== undefined && to !== from) break;
    }
    if (to === undefined || to === from) throw new Error(`the sentinels did not promote a replica within 60 s of killing ${from}`);
    rec.failoverMs = Date.now() - killedAt;
    rec.target += ` -> 127.0.0.1:${to} promoted after ${(rec.failoverMs / 1000).toFixed(1)} s`;
    this.#t.log(`the sentinels promoted 127.0.0.1:${to} after ${rec.failoverMs} ms`);
    await sleep(Math.max(0, killedAt + f.downMs - Date.now()));
    await set.restart(from);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      const r = await set.role(from);
      if (r?.role === 'slave' && r.linkUp) {
        rec.upAtMs = this.#now();
        break;
      }
    }
    if (rec.upAtMs === undefined) throw new Error(`127.0.0.1:${from} was not a linked replica within 60 s of its restart`);
    rec.target += `; ${from} a replica again`;
    this.#t.log(`the old master 127.0.0.1:${from} is a replica of ${to} again, ${rec.upAtMs - rec.downAtMs} ms after the kill`);
  }

  #now(): number {
    return Date.now() - this.#t0;
  }
}
