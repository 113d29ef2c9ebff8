import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.js';
import { childArgs } from './pipeline.js';

const bin = fileURLToPath(new URL('../../bin/curl-proxy-detector.js', import.meta.url));

/** A `curl-proxy-detector` process started by a test, with its output kept for diagnostics. */
export interface ChildWorker {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  kill(signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/** Starts the built CLI (dist/) as a separate process with the test's config. */
export function spawnCli(config: Config, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildWorker {
  const child = spawn(process.execPath, [bin, ...childArgs(config), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    child,
    output: () => out,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
