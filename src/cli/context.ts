import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';

/** Global options every command accepts (declared once in main.ts). */
export interface GlobalOptions {
  config?: string;
  esUrl?: string;
  redisUrl?: string;
  logLevel?: string;
  set?: string[];
}

/** Turns `--set a.b=c` flags and the named global flags into dotted config keys. */
export function flagsFromOptions(opts: GlobalOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  // No prototype: `--set __proto__=x` must reach validation as an unknown key, not vanish.
  const flags = Object.create(null) as Record<string, unknown>;
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InputError(`--set: expected key=value, got ${JSON.stringify(pair)}`);
    flags[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  if (opts.esUrl !== undefined) flags['elasticsearch.url'] = opts.esUrl;
  if (opts.redisUrl !== undefined) flags['redis.url'] = opts.redisUrl;
  if (opts.logLevel !== undefined) flags['log.level'] = opts.logLevel;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) flags[k] = v;
  return flags;
}

/** Loads the configuration for a command: global flags plus the command's own overrides. */
export function configFor(command: Command, extra: Record<string, unknown> = {}): Config {
  const opts = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({ configFile: opts.config, env: process.env, flags: flagsFromOptions(opts, extra) });
}
