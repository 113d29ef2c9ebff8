import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** The repository root (three levels above this folder). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The parts of a Compose service these tests read; everything else is ignored. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | Record<string, unknown>)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
}

/** A parsed Compose file, before and after `${VAR}` interpolation. */
export interface ComposeFile {
  /** As written, `${VAR:-default}` still in place. */
  raw: { services: Record<string, ComposeService>; volumes?: Record<string, unknown> | null } & Record<string, unknown>;
  /** With every `${VAR...}` resolved against the given environment (defaults when unset). */
  resolved: { services: Record<string, ComposeService>; volumes?: Record<string, unknown> | null } & Record<string, unknown>;
}

/** Reads and parses a Compose file; throws when it is not a mapping with a `services` mapping. */
export function readCompose(path: string, env: Readonly<Record<string, string>> = {}): ComposeFile {
  const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (!isRecord(parsed) || !isRecord(parsed['services'])) {
    throw new Error(`${path}: expected a mapping with a "services" mapping, got ${typeof parsed}`);
  }
  const raw = parsed as ComposeFile['raw'];
  return { raw, resolved: deepInterpolate(raw, env) as ComposeFile['resolved'] };
}

/**
 * Compose-style interpolation of one string: `$$` is a literal `$`; `${VAR}`, `${VAR:-def}`
 * (default when unset or empty), `${VAR-def}` (default when unset), `${VAR:?msg}` and `$VAR`.
 */
export function interpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = env[name];
      switch (op) {
        case ':-':
          return value === undefined || value === '' ? (arg ?? '') : value;
        case '-':
          return value ?? arg ?? '';
        case ':?':
        case '?':
          if (value === undefined || (op === ':?' && value === '')) throw new Error(`${name} is required: ${arg ?? ''}`);
          return value;
        default:
          return value ?? '';
      }
    },
  );
}

function deepInterpolate(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => deepInterpolate(v, env));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepInterpolate(v, env)]));
  return value;
}

/** One volume entry of a service, in a single shape whatever syntax the file used. */
export interface Mount {
  type: 'bind' | 'volume' | 'other';
  source: string;
  target: string;
}

/** The service's mounts; short syntax `SOURCE:TARGET[:MODE]` is a bind mount when SOURCE is a path. */
export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((entry): Mount => {
    if (typeof entry === 'string') {
      const [source = '', target = ''] = entry.split(':');
      const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
      return { type: isPath ? 'bind' : 'volume', source, target };
    }
    const type = entry.type === 'bind' || entry.type === 'volume' ? entry.type : 'other';
    return { type, source: entry.source ?? '', target: entry.target ?? '' };
  });
}

/** `depends_on` as target -> condition, whichever syntax the file used (the list form means service_started). */
export function dependenciesOf(service: ComposeService): Map<string, string> {
  const deps = service.depends_on;
  if (deps === undefined) return new Map();
  if (Array.isArray(deps)) return new Map(deps.map((name) => [name, 'service_started']));
  return new Map(Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']));
}

/** The service's environment as name -> value; a name without a value (pass-through) maps to undefined. */
export function environmentOf(service: ComposeService): Map<string, string | undefined> {
  const env = service.environment;
  if (env === undefined) return new Map();
  if (Array.isArray(env)) {
    return new Map(env.map((line) => {
      const eq = line.indexOf('=');
      return eq < 0 ? [line, undefined] : [line.slice(0, eq), line.slice(eq + 1)];
    }));
  }
  return new Map(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

/** The command as an argument list; a string command is split on spaces (good enough for assertions). */
export function argvOf(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter((s) => s !== '');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
