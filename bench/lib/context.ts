import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { BenchTargets } from './services.js';

/** What every bench gets from the runner: the services, their clients, and a log line writer. */
export interface BenchContext {
  targets: BenchTargets;
  es: Client;
  redis: Redis;
  /** The Elasticsearch process, when it runs on this machine (its CPU counts as ours). */
  esPid: number | undefined;
  log(line: string): void;
}

/** This process, Elasticsearch and the workers: the processes whose CPU a measurement owns. */
export function ownPids(ctx: BenchContext, workers: readonly number[] = []): Record<'bench' | 'elasticsearch' | 'workers', readonly number[]> {
  return { bench: [process.pid], elasticsearch: ctx.esPid !== undefined ? [ctx.esPid] : [], workers };
}

/** The repository root (bench/lib/../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where raw results go (gitignored). */
export const resultsDir = join(repoRoot, 'bench', 'results');

/** Writes one raw result as `bench/results/<name>.json` and returns the path. */
export function writeResult(name: string, value: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

/** Every raw result present, by file name without `.json`. */
export function readResults(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let files: string[] = [];
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      out.set(f.slice(0, -'.json'.length), JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as unknown);
    } catch {
      // A half-written or foreign file is not a result.
    }
  }
  return out;
}

/** Milliseconds with one decimal. */
export const ms1 = (ms: number): number => Math.round(ms * 10) / 10;
/** Events per second, rounded. */
export const perSecond = (count: number, ms: number): number => (ms > 0 ? Math.round((count / ms) * 1000) : 0);
