import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { deleteKeys } from '../../test/helpers/services.js';

/** Where the benchmarks run: loopback services only. Redis database 10 keeps them apart from tests (9) and real use (0). */
export interface BenchTargets {
  esUrl: string;
  redisUrl: string;
  /** Product settings changed for a tuning experiment (`--set key=value`); empty for the default figures. */
  overrides: Readonly<Record<string, string>>;
}

/** Names one benchmark run owns: source indices, findings alias, Redis prefix. */
export interface BenchNames {
  prefix: string;
  sourcePattern: string;
  alias: string;
  keyPrefix: string;
  sourceIndex(suffix: string): string;
}

/** Fresh names; everything a bench creates lives under `cpdbench-<label>-...`. */
export function benchNames(label: string): BenchNames {
  const prefix = `cpdbench-${label}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`.toLowerCase();
  return {
    prefix,
    sourcePattern: `${prefix}-src-*`,
    alias: `${prefix}-findings`,
    keyPrefix: prefix.replace(/[^a-z0-9_-]/g, '_'),
    sourceIndex: (suffix) => `${prefix}-src-${suffix}`,
  };
}

/** A second set of findings and Redis names over the same source indices (one per measured run). */
export function runNames(source: BenchNames, run: string): BenchNames {
  const prefix = `${source.prefix}-${run}`;
  return { ...source, alias: `${prefix}-findings`, keyPrefix: prefix.replace(/[^a-z0-9_-]/g, '_') };
}

/**
 * The product's configuration for a bench: built-in defaults (and config/default.yaml, as a
 * deployment would read it), with only the connections, the bench's own names and `extra` set.
 */
export function benchConfig(targets: BenchTargets, names: BenchNames, extra: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, flags: configFlags(targets, names, extra) });
}

/** The dotted keys a bench sets; the same ones are passed to child workers as `--set`. */
export function configFlags(targets: BenchTargets, names: BenchNames, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'elasticsearch.url': targets.esUrl,
    'redis.url': targets.redisUrl,
    'redis.keyPrefix': names.keyPrefix,
    'sink.findingsAlias': names.alias,
    'source.indexPatterns': [names.sourcePattern],
    'log.level': process.env.LOG_LEVEL ?? 'warn',
    ...targets.overrides,
    ...extra,
  };
}

/** Deletes a run's findings (indices and template) and Redis keys. */
export async function dropRun(es: Client, redis: Redis, names: BenchNames): Promise<void> {
  await es.indices.delete({ index: `${names.alias}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined);
  await es.indices.deleteIndexTemplate({ name: names.alias }, { ignore: [404] }).catch(() => undefined);
  await deleteKeys(redis, `${names.keyPrefix}:*`);
}

/** Deletes everything under a bench prefix: source indices, every run's findings, templates, keys. */
export async function dropAll(es: Client, redis: Redis, names: BenchNames): Promise<void> {
  await es.indices.delete({ index: `${names.prefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined);
  const templates = await es.indices.getIndexTemplate({ name: `${names.prefix}*` }, { ignore: [404] }).catch(() => undefined);
  for (const t of templates?.index_templates ?? []) await es.indices.deleteIndexTemplate({ name: t.name }, { ignore: [404] }).catch(() => undefined);
  await deleteKeys(redis, `${names.keyPrefix}*`);
}
