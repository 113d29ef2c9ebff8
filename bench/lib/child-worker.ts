import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RssSampler, type RssSummary } from './rss.js';

const bin = fileURLToPath(new URL('../../bin/curl-proxy-detector.js', import.meta.url));
const keepOutputChars = 64 * 1024;

/** A `curl-proxy-detector` process started by a bench (the built CLI in dist/), its RSS sampled every second. */
export interface BenchChild {
  pid: number;
  child: ChildProcess;
  /** The last 64 KiB of its stdout and stderr, for diagnostics. */
  output(): string;
  exited: Promise<number | NodeJS.Signals | null>;
  /** Marks the start of the measured work in the RSS series. */
  markRss(): void;
  /** SIGTERM, wait up to `timeoutMs` for the drain, then SIGKILL; returns the RSS summary. */
  stop(timeoutMs?: number): Promise<{ exit: number | NodeJS.Signals | null; rss: RssSummary }>;
}

/**
 * Starts `bin/curl-proxy-detector.js --set k=v ... <args>` with the environment stripped of
 * the variables the config reads, so only the bench's flags and the built-in defaults apply.
 */
export function spawnWorker(flags: Record<string, unknown>, args: readonly string[]): BenchChild {
  const sets = Object.entries(flags).flatMap(([k, v]) => ['--set', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ELASTICSEARCH_|REDIS_|CPD_|LOG_LEVEL$|OTEL_|HEALTH_)/.test(k)));
  const child = spawn(process.execPath, [bin, ...sets, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > keepOutputChars * 2) out = out.slice(-keepOutputChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const sampler = new RssSampler(child.pid);
  return {
    pid: child.pid,
    child,
    output: () => out.slice(-keepOutputChars),
    exited,
    markRss: () => sampler.mark(),
    async stop(timeoutMs = 40_000) {
      const rss = sampler.stop();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      let exit = await Promise.race([exited, timer]);
      if (exit === 'timeout') {
        child.kill('SIGKILL');
        exit = await exited;
      }
      return { exit, rss };
    },
  };
}
