/**
 * Proxies that reach curl through its environment, read the way libcurl's proxy detection
 * does: `<scheme>_proxy` then `<SCHEME>_PROXY` (never upper-case HTTP_PROXY), ws/wss fall
 * back to http_proxy/https_proxy, then all_proxy, then ALL_PROXY; lower case wins.
 * Also the `env(1)` wrapper and leading `NAME=value` words, where the event shows them.
 */

/** A proxy variable that applies to a URL scheme. */
export interface EnvProxy {
  name: string;
  value: string;
}

/** Builds a name -> value map from "NAME=value" strings; later entries win (assignments after a snapshot). */
export function envMap(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) map.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return map;
}

/** The proxy variable curl would use for a URL of this (lower-case) scheme, or null. */
export function envProxyFor(scheme: string, env: ReadonlyMap<string, string>): EnvProxy | null {
  if (scheme === 'file') return null; // file:// never goes through a proxy
  const names = scheme === 'http' ? ['http_proxy'] : [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`];
  if (scheme === 'ws') names.push('http_proxy');
  if (scheme === 'wss') names.push('https_proxy', 'HTTPS_PROXY');
  names.push('all_proxy', 'ALL_PROXY');
  for (const name of names) {
    const value = env.get(name);
    // An empty variable counts as unset here, so a later fallback is still considered.
    if (value !== undefined && value !== '') return { name, value };
  }
  return null;
}

/**
 * The no_proxy list from the environment, or null: lower case wins, and an empty variable
 * counts as unset (curl_getenv returns NULL for it), so `no_proxy= NO_PROXY=a` reads NO_PROXY.
 */
export function envNoProxy(env: ReadonlyMap<string, string>): EnvProxy | null {
  for (const name of NO_PROXY_NAMES) {
    const value = env.get(name);
    if (value !== undefined && value !== '') return { name, value };
  }
  return null;
}

const NO_PROXY_NAMES = ['no_proxy', 'NO_PROXY'] as const;

/**
 * Every proxy variable some scheme could use (`<scheme>_proxy`, `<SCHEME>_PROXY` but never
 * HTTP_PROXY, `all_proxy`, `ALL_PROXY`), set and not empty, in the environment's order: for a
 * URL whose scheme the event cannot show.
 */
export function anyEnvProxies(env: ReadonlyMap<string, string>): EnvProxy[] {
  const out: EnvProxy[] = [];
  for (const [name, value] of env) {
    if (value === '' || name === 'HTTP_PROXY' || name.length < 7) continue;
    const suffix = name.slice(-6);
    if ((suffix === '_proxy' && name.toLowerCase() === name) || (suffix === '_PROXY' && name.toUpperCase() === name)) {
      if (name !== 'no_proxy' && name !== 'NO_PROXY') out.push({ name, value });
    }
  }
  return out;
}

/** True for a shell assignment word `NAME=value` (NAME a valid shell identifier). */
export function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word.charCodeAt(i);
    const ok = c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}

/** What `env [options] [NAME=value]... command [args]` does to the command it runs. */
export interface EnvWrapper {
  /** NAME=value words, in order. */
  assignments: string[];
  /** -i / --ignore-environment / a lone '-': the captured environment is dropped. */
  ignoreEnvironment: boolean;
  /** -u NAME / --unset=NAME. */
  unset: string[];
  /** The command env runs and its arguments (after -S splitting). */
  command: string[];
}

const ENV_VALUE_LETTERS = new Set(['u', 'C', 'S', 'a']);
const ENV_FLAG_LETTERS = new Set(['i', '0', 'v']);

/**
 * Reads GNU env(1)'s arguments (`words[0]` is env itself). Returns null when env would
 * run nothing or refuse its options. `split` splits the -S string (shell-like rules).
 */
export function parseEnvWrapper(words: readonly string[], split: (text: string) => string[], depth = 0): EnvWrapper | null {
  const result: EnvWrapper = { assignments: [], ignoreEnvironment: false, unset: [], command: [] };
  let i = 1;
  for (; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') {
      i++;
      break;
    }
    if (word === '-') {
      result.ignoreEnvironment = true;
      continue;
    }
    if (!word.startsWith('-')) break;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      if (name === 'ignore-environment') result.ignoreEnvironment = true;
      else if (name === 'null' || name === 'debug' || name === 'list-signal-handling') continue;
      else if (name === 'block-signal' || name === 'default-signal' || name === 'ignore-signal') continue;
      else if (name === 'unset' || name === 'chdir' || name === 'split-string' || name === 'argv0') {
        const value = inline ?? words[++i];
        if (value === undefined) return null;
        if (name === 'unset') result.unset.push(value);
        if (name === 'split-string') return splitAgain(result, [...split(value), ...words.slice(i + 1)], split, depth);
      } else return null; // --help, --version or an option env refuses: curl never runs
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] as string;
      if (ENV_FLAG_LETTERS.has(letter)) {
        if (letter === 'i') result.ignoreEnvironment = true;
        continue;
      }
      if (!ENV_VALUE_LETTERS.has(letter)) return null;
      const value = j + 1 < word.length ? word.slice(j + 1) : words[++i];
      if (value === undefined) return null;
      if (letter === 'u') result.unset.push(value);
      if (letter === 'S') return splitAgain(result, [...split(value), ...words.slice(i + 1)], split, depth);
      break;
    }
  }
  return finish(result, words.slice(i));
}

/** -S words are read again as env arguments (they may hold options); nesting is capped. */
function splitAgain(outer: EnvWrapper, words: string[], split: (text: string) => string[], depth: number): EnvWrapper | null {
  if (depth >= 8) return null;
  const inner = parseEnvWrapper(['env', ...words], split, depth + 1);
  if (inner === null) return null;
  return {
    assignments: [...outer.assignments, ...inner.assignments],
    ignoreEnvironment: outer.ignoreEnvironment || inner.ignoreEnvironment,
    unset: [...outer.unset, ...inner.unset],
    command: inner.command,
  };
}

function finish(result: EnvWrapper, rest: readonly string[]): EnvWrapper | null {
  let k = 0;
  // env treats every leading word that contains '=' as an assignment.
  while (k < rest.length && (rest[k] as string).includes('=')) result.assignments.push(rest[k++] as string);
  result.command = rest.slice(k);
  return result.command.length === 0 ? null : result;
}
