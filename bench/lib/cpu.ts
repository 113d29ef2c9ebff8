import { readFileSync } from 'node:fs';

/**
 * How busy the machine was during a measurement, and how much of it was ours. On a shared
 * machine a slow run is only meaningful next to the load other processes put on it.
 */
export interface CpuShare {
  wallMs: number;
  /** Cores busy on the whole machine, on average (0 .. number of cores). */
  machineCores: number;
  /** Cores used by the measured processes (the bench, its workers, Elasticsearch). */
  ownCores: number;
  /** The rest: other jobs on the machine. */
  otherCores: number;
  /** CPU seconds per group of measured processes (e.g. bench, elasticsearch, workers): steadier than wall time under contention. */
  seconds: Record<string, number>;
}

/** Named groups of processes whose CPU a measurement owns. */
export type PidGroups = Readonly<Record<string, readonly number[]>>;

const ticksPerSecond = 100; // USER_HZ on Linux

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
  return user + nice + system + irq + softirq + steal;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime, stime
  } catch {
    return 0;
  }
}

/** Starts measuring; `groups()` is asked at the start and at the stop (processes may come and go). */
export class CpuMeter {
  readonly #t0 = performance.now();
  readonly #machine0 = machineBusyTicks();
  readonly #own0 = new Map<number, number>();

  constructor(private readonly groups: () => PidGroups) {
    for (const pids of Object.values(groups())) for (const pid of pids) this.#own0.set(pid, processTicks(pid));
  }

  stop(): CpuShare {
    const wallMs = performance.now() - this.#t0;
    const wallS = Math.max(wallMs / 1000, 1e-3);
    const machine = (machineBusyTicks() - this.#machine0) / ticksPerSecond / wallS;
    const r = (x: number) => Math.round(x * 100) / 100;
    const seconds: Record<string, number> = {};
    const counted = new Set<number>();
    let own = 0;
    for (const [group, pids] of Object.entries(this.groups())) {
      let ticks = 0;
      for (const pid of pids) {
        if (counted.has(pid)) continue;
        counted.add(pid);
        ticks += processTicks(pid) - (this.#own0.get(pid) ?? 0);
      }
      own += ticks;
      seconds[group] = r(ticks / ticksPerSecond);
    }
    const ownCores = own / ticksPerSecond / wallS;
    return { wallMs: Math.round(wallMs), machineCores: r(machine), ownCores: r(ownCores), otherCores: r(Math.max(0, machine - ownCores)), seconds };
  }
}
