import type { OwnedService } from './services.js';
import type { WorkerFleet } from './workers.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The faults the run injects. */
export type FaultKind = 'kill-leader' | 'kill-follower' | 'restart-redis' | 'stop-elasticsearch';

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
  error: string | undefined;
}

/** What the injector acts on. */
export interface FaultTargets {
  fleet: WorkerFleet;
  redis: OwnedService;
  /** Undefined when the run shares an Elasticsearch it may not stop. */
  elasticsearch: OwnedService | undefined;
  /** Pid of the worker holding the live lease, if known. */
  leaderPid(): Promise<number | undefined>;
  log(line: string): void;
}


/** Runs a fault plan against the fleet and the services, each fault at its time; records everything. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly #t: FaultTargets;
  #t0 = 0;

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
        await this.#inject(f);
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
      switch (f.kind) {
        case 'kill-leader':
        case 'kill-follower':
          await this.#killWorker(f, rec);
          break;
        case 'restart-redis':
          await this.#bounce(this.#t.redis, f, rec);
          break;
        case 'stop-elasticsearch':
          if (this.#t.elasticsearch === undefined) {
            rec.target = 'skipped: shared Elasticsearch';
            break;
          }
          await this.#bounce(this.#t.elasticsearch, f, rec);
          break;
      }
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

  #now(): number {
    return Date.now() - this.#t0;
  }
}
