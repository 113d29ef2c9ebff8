import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './services.js';

/** One worker process of the fleet. */
export interface WorkerProcess {
  slot: number;
  generation: number;
  pid: number;
  logFile: string;
  child: ChildProcess;
  exited: Promise<number | string | null>;
}

/** What a fleet needs to start `curl-proxy-detector run` processes. */
export interface FleetOptions {
  count: number;
  /** Configuration as dotted keys, passed as `--set key=value`. */
  settings: Readonly<Record<string, unknown>>;
  logDir: string;
}

const bin = join(repoRoot, 'bin', 'curl-proxy-detector.js');

/**
 * `count` worker processes running the built CLI (`run`), each logging to its own file. A
 * slot whose process was killed is started again by `restart`, as a supervisor would.
 */
export class WorkerFleet {
  readonly #o: FleetOptions;
  readonly #slots: (WorkerProcess | undefined)[];
  readonly #streams: WriteStream[] = [];
  readonly #logFiles: string[] = [];
  #generation = 0;

  constructor(options: FleetOptions) {
    this.#o = options;
    this.#slots = Array.from({ length: options.count }, () => undefined);
  }

  /** Starts every slot. */
  start(): void {
    for (let slot = 0; slot < this.#o.count; slot++) this.#spawn(slot);
  }

  /** The process in a slot (undefined while it is down). */
  get(slot: number): WorkerProcess | undefined {
    return this.#slots[slot];
  }

  /** The slot running `pid`, if any. */
  slotOf(pid: number): number | undefined {
    const i = this.#slots.findIndex((w) => w?.pid === pid);
    return i < 0 ? undefined : i;
  }

  /** Sends `signal` to a slot's process and waits for it to end. */
  async kill(slot: number, signal: NodeJS.Signals): Promise<WorkerProcess | undefined> {
    const w = this.#slots[slot];
    if (w === undefined) return undefined;
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
    await w.exited;
    this.#slots[slot] = undefined;
    return w;
  }

  /** Starts a new process in a slot (after a kill). */
  restart(slot: number): WorkerProcess {
    return this.#spawn(slot);
  }

  /** SIGTERM to everyone (drain), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    const running = this.#slots.filter((w): w is WorkerProcess => w !== undefined);
    for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    const all = Promise.all(running.map((w) => w.exited));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([all, timer])) === 'timeout') {
      for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await all;
    }
    this.#slots.fill(undefined);
    const open = this.#streams.splice(0);
    await Promise.all(open.map((s) => new Promise<void>((r) => s.end(r))));
  }

  /** Every log file written so far (one per process started). */
  get logFiles(): readonly string[] {
    return this.#logFiles;
  }

  /** Log lines at level error (ECS `log.level`), from every process: ERROR means data loss. */
  errorLines(): string[] {
    return this.matchingLines(/"log\.level":"(error|fatal)"/).map((l) => l.slice(0, 1_000));
  }

  /** Log lines matching `re`, from every process, each prefixed with its file's name. */
  matchingLines(re: RegExp): string[] {
    const out: string[] = [];
    for (const file of this.#logFiles) {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) if (re.test(line)) out.push(`${file.split('/').pop() ?? file}: ${line}`);
    }
    return out;
  }

  #spawn(slot: number): WorkerProcess {
    this.#generation += 1;
    const generation = this.#generation;
    const logFile = join(this.#o.logDir, `worker-${slot}-${generation}.log`);
    const stream = createWriteStream(logFile, { flags: 'a' });
    this.#streams.push(stream);
    this.#logFiles.push(logFile);
    const args = Object.entries(this.#o.settings).flatMap(([k, v]) => ['--set', `${k}=${Array.isArray(v) ? JSON.stringify(v) : String(v)}`]);
    const child = spawn(process.execPath, [bin, ...args, 'run'], { cwd: repoRoot, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(stream, { end: false });
    child.stderr?.pipe(stream, { end: false });
    const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    const w: WorkerProcess = { slot, generation, pid: child.pid ?? -1, logFile, child, exited };
    this.#slots[slot] = w;
    return w;
  }
}
