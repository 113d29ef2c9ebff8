import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configFileEnv, readEnv } from './env.js';
import { nodeAt, type SchemaNode } from './json-schema.js';
import { isSecretKey, redactConfig } from './redact.js';
import { configSchema, type Config } from './schema.js';
import { deepFreeze } from '../freeze.js';

/** Where the configuration comes from; each layer overrides the one before. */
export interface LoadOptions {
  /** `--config <file>`; falls back to the CPD_CONFIG environment variable. */
  configFile?: string | undefined;
  /** Usually `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Dotted keys from CLI flags, e.g. `{ 'rule.mode': 'splunk' }`; strings are coerced by schema type. */
  flags?: Readonly<Record<string, unknown>>;
  /** Directory holding `default.yaml|yml|json`; defaults to the package's `config/`. */
  defaultsDir?: string;
}

/** A mapping of config keys. Always without a prototype while layers merge: `__proto__` and `constructor` are plain keys there. */
type Tree = Record<string, unknown>;

/** The package's own `config/` folder (same relative place from `src/` and from `dist/`). */
export const packageConfigDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');

/**
 * Loads defaults -> config/default.* -> file -> environment -> flags, validates once and
 * returns a deeply frozen Config. Throws ConfigError (one line per bad key) on any problem.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? {};
  const merged = emptyTree();
  const sources = new Map<string, string>();
  const problems: string[] = [];

  const defaultsFile = findDefaultsFile(options.defaultsDir ?? packageConfigDir);
  if (defaultsFile !== undefined) mergeTree(merged, readConfigFile(defaultsFile), defaultsFile, sources);

  const file = options.configFile ?? env[configFileEnv];
  if (file !== undefined && file !== '') mergeTree(merged, readConfigFile(resolve(file)), file, sources);

  for (const { key, value, source } of readEnv(env)) assign(merged, key, value, source, sources, problems);
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value !== undefined) assign(merged, key, value, `flag for ${key}`, sources, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => describeIssue(i, sources)));
  // Validated: every key is a schema key now, so ordinary objects are safe (and what callers expect).
  return deepFreeze(toPlain(result.data) as Config);
}

function findDefaultsFile(dir: string): string | undefined {
  for (const name of ['default.yaml', 'default.yml', 'default.json']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Reads a YAML or JSON config file; any failure is a ConfigError naming the file. */
export function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([`config file ${path}: expected a readable YAML or JSON file, got ${reason}`]);
  }
  let parsed: unknown;
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([`config file ${path}: expected valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}, got a syntax error${syntaxErrorPlace(err, text)}`]);
  }
  if (parsed === null || parsed === undefined) return emptyTree();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    // What the file holds is not shown: --config pointed at a secret file must not print it.
    throw new ConfigError([`config file ${path}: expected a mapping of keys at the top level, got ${typeName(parsed)}`]);
  }
  return toTree(parsed) as Tree;
}

/**
 * Where a parser stopped (` at line L, column C`), never the text around it: V8's JSON messages
 * quote the input, and a config file holds passwords. YAML errors carry the position as data.
 */
function syntaxErrorPlace(err: unknown, text: string): string {
  const linePos = (err as { linePos?: { line: number; col: number }[] } | undefined)?.linePos?.[0];
  if (linePos !== undefined) return ` at line ${linePos.line}, column ${linePos.col}`;
  const offset = /\bposition (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
  if (offset === undefined) return '';
  const before = text.slice(0, Number(offset)).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** An object without a prototype. */
function emptyTree(): Tree {
  return Object.create(null) as Tree;
}

/** Deep copy of parsed input with every mapping prototype-free, so no key can reach Object.prototype. */
function toTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toTree);
  if (!isPlainObject(value)) return value;
  const out = emptyTree();
  for (const [k, v] of Object.entries(value)) out[k] = toTree(v);
  return out;
}

/** Deep copy with ordinary objects again; `Object.fromEntries` defines keys, it never calls the `__proto__` setter. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
}

function mergeTree(target: Tree, layer: Tree, source: string, sources: Map<string, string>, prefix = ''): void {
  for (const [k, v] of Object.entries(layer)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    const existing = target[k];
    if (isPlainObject(v) && isPlainObject(existing)) {
      mergeTree(existing, v, source, sources, key);
    } else {
      target[k] = toTree(v);
      markSource(sources, key, v, source);
    }
  }
}

function markSource(sources: Map<string, string>, key: string, value: unknown, source: string): void {
  sources.set(key, source);
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) markSource(sources, `${key}.${k}`, v, source);
}

function assign(target: Tree, key: string, raw: unknown, source: string, sources: Map<string, string>, problems: string[]): void {
  const node = nodeAt(key);
  if (node === undefined) {
    problems.push(`${key}: expected a known configuration key, got an unknown one (from ${source}); see 'curl-proxy-detector config docs'`);
    return;
  }
  const value = toTree(typeof raw === 'string' ? coerce(raw, node) : raw);
  const path = key.split('.');
  let cursor = target;
  for (const segment of path.slice(0, -1)) {
    const next = cursor[segment];
    if (!isPlainObject(next)) cursor[segment] = emptyTree();
    cursor = cursor[segment] as Tree;
  }
  cursor[path[path.length - 1] as string] = value;
  sources.set(key, source);
}

/** Converts a string from the environment or a flag into the schema's type; leaves it as-is when it does not convert, so validation reports it. */
function coerce(raw: string, node: SchemaNode): unknown {
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  const s = raw.trim();
  if (types.includes('integer') || types.includes('number')) {
    return s !== '' && Number.isFinite(Number(s)) ? Number(s) : raw;
  }
  if (types.includes('boolean')) {
    if (/^(true|1|yes|on)$/i.test(s)) return true;
    if (/^(false|0|no|off)$/i.test(s)) return false;
    return raw;
  }
  if (types.includes('array') || types.includes('object')) {
    if (s.startsWith('[') || s.startsWith('{')) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return raw;
      }
    }
    return types.includes('array') ? s.split(',').map((x) => x.trim()).filter((x) => x !== '') : raw;
  }
  return raw;
}

function describeIssue(issue: z.core.$ZodIssue, sources: Map<string, string>): string {
  const key = issue.path.map(String).join('.');
  const label = key === '' ? '(top level)' : key;
  const given = 'input' in issue ? showValue(key, issue.input) : 'nothing';
  const origin = sources.get(key);
  const from = origin !== undefined ? ` (from ${origin})` : '';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => (key === '' ? k : `${key}.${k}`));
      return `${keys.join(', ')}: expected a known configuration key, got an unknown one${sourceOf(keys[0], sources)}; see 'curl-proxy-detector config docs'`;
    }
    case 'invalid_type':
      return issue.input === undefined
        ? `${label}: expected ${issue.expected}, got nothing${from}`
        : `${label}: expected ${issue.expected}, got ${given}${from}`;
    case 'invalid_value':
      return `${label}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${given}${from}`;
    case 'too_small':
      return `${label}: expected ${issue.origin === 'array' || issue.origin === 'string' ? 'length ' : ''}>= ${String(issue.minimum)}, got ${given}${from}`;
    case 'too_big':
      return `${label}: expected ${issue.origin === 'array' || issue.origin === 'string' ? 'length ' : ''}<= ${String(issue.maximum)}, got ${given}${from}`;
    default:
      return `${label}: ${issue.message.replace(/^Invalid input: /, '')}, got ${given}${from}`;
  }
}

function sourceOf(key: string | undefined, sources: Map<string, string>): string {
  const origin = key === undefined ? undefined : sources.get(key);
  return origin !== undefined ? ` (from ${origin})` : '';
}

/** A given value as an error may show it: secrets hidden whatever their type, URLs without user info. */
function showValue(key: string, value: unknown): string {
  if (value === undefined) return 'nothing';
  if (isSecretKey(key)) return typeof value === 'string' ? '"***"' : `*** (${typeName(value)})`;
  const text = JSON.stringify(redactConfig(value, key)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

function isPlainObject(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
