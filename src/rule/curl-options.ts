import { CURL_OPTION_ROWS, type OptionKind } from './curl-option-table.js';
import type { ProxyScheme } from './types.js';

/**
 * Lookups over curl's option table, and what each option means for the proxy question.
 *
 * Short letters that take a value (the rest of the token, or else the next token):
 *   A b c C d D e E F h H K m o P Q r t T u U w x X y Y z
 * Short letters that are flags and may be clustered (`-sSLk`):
 *   # : 0 1 2 3 4 6 a B f g G i I j J k l L M n N O p q R s S v V Z
 * Both lists are derived from the table, not typed twice; this comment is for the reader.
 */

/** One curl option. */
export interface OptionSpec {
  /** Long name without the leading dashes. */
  readonly name: string;
  readonly kind: OptionKind;
  readonly letter: string | null;
  /** '--name', as verdicts show it (built once, not per event). */
  readonly canonical: string;
  /** '-x' for an option with a letter, else null. */
  readonly short: string | null;
}

/** How a long option name was recognised; anything but 'exact' only works on curl < 8.6.0. */
export type LongMatch = 'exact' | 'case' | 'prefix';

/** Result of looking up a long option name. */
export type LongLookup =
  | { readonly found: true; readonly spec: OptionSpec; readonly how: LongMatch }
  | { readonly found: false; readonly candidates: readonly OptionSpec[] };

const SPECS: readonly OptionSpec[] = CURL_OPTION_ROWS.map(([name, kind, letter]) => ({
  name,
  kind,
  letter: letter ?? null,
  canonical: `--${name}`,
  short: letter === undefined ? null : `-${letter}`,
}));
const BY_NAME = new Map(SPECS.map((spec) => [spec.name, spec]));
/** Exact hits are the common case: their lookup results are built once. */
const EXACT: ReadonlyMap<string, LongLookup> = new Map(SPECS.map((spec) => [spec.name, Object.freeze({ found: true, spec, how: 'exact' } as const)]));
/** The same exact hits keyed by the whole word ('--proxy'): the common case needs no slicing. */
const BY_WORD: ReadonlyMap<string, OptionSpec> = new Map(SPECS.map((spec) => [spec.canonical, spec]));
/** Short options by character code (all of them are ASCII). */
const BY_CODE: readonly (OptionSpec | undefined)[] = (() => {
  const table = new Array<OptionSpec | undefined>(128).fill(undefined);
  for (const spec of SPECS) if (spec.letter !== null) table[spec.letter.charCodeAt(0)] = spec;
  return table;
})();
const LONGEST_NAME = SPECS.reduce((max, spec) => Math.max(max, spec.name.length), 0);

/** True when the option consumes an argument. */
export function takesValue(spec: OptionSpec): boolean {
  return spec.kind === 'string' || spec.kind === 'file';
}

/** The option behind a short letter, or undefined when curl has none. */
export function findShortOption(letter: string): OptionSpec | undefined {
  return letter.length === 1 ? BY_CODE[letter.charCodeAt(0)] : undefined;
}

/** The option behind the UTF-16 code of a short letter, or undefined when curl has none. */
export function findShortCode(code: number): OptionSpec | undefined {
  return code < 128 ? BY_CODE[code] : undefined;
}

/**
 * The option a whole word names exactly ('--proxy' -> proxy), or undefined. No curl name
 * starts with 'no-' or 'expand-' or holds '=', so a hit is always a plain, exact use.
 */
export function findExactWord(word: string): OptionSpec | undefined {
  return BY_WORD.get(word);
}

/**
 * Finds a long option the way any curl version would accept it: exact (all versions), or,
 * as curl < 8.6.0 did, case-insensitively and then as a unique prefix. An exact
 * case-insensitive hit wins over longer names it prefixes (`--proxy` is not ambiguous).
 * `candidates` lists up to 8 names when the word is an ambiguous prefix, none when unknown.
 */
export function findLongOption(word: string): LongLookup {
  const exact = EXACT.get(word);
  if (exact !== undefined) return exact;
  if (word.length === 0 || word.length > LONGEST_NAME) return { found: false, candidates: [] };
  const lower = asciiLower(word);
  const folded = BY_NAME.get(lower);
  if (folded !== undefined) return { found: true, spec: folded, how: 'case' };
  const hits: OptionSpec[] = [];
  for (let i = lowerBound(lower); i < SPECS.length && hits.length < 9; i++) {
    const spec = SPECS[i] as OptionSpec;
    if (!spec.name.startsWith(lower)) break;
    hits.push(spec);
  }
  if (hits.length === 1) return { found: true, spec: hits[0] as OptionSpec, how: 'prefix' };
  return { found: false, candidates: hits.slice(0, 8) };
}

/**
 * Lower-cases A-Z only, as curl compares option names (curl_strnequal): full Unicode
 * lower-casing would turn a Kelvin sign (U+212A) into "k" and accept names curl refuses.
 */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

function lowerBound(key: string): number {
  let lo = 0;
  let hi = SPECS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((SPECS[mid] as OptionSpec).name < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options that select the proxy (one slot: the last one given wins) and the scheme they imply. */
export const PROXY_SLOT_OPTIONS: ReadonlyMap<string, ProxyScheme> = new Map<string, ProxyScheme>([
  ['proxy', 'http'],
  ['proxy1.0', 'http'],
  ['socks4', 'socks4'],
  ['socks4a', 'socks4a'],
  ['socks5', 'socks5'],
  ['socks5-hostname', 'socks5h'],
]);

/** --preproxy: a separate slot, a SOCKS proxy in front of the proxy; no scheme means SOCKS4. */
export const PREPROXY_DEFAULT_SCHEME: ProxyScheme = 'socks4';

/** Options after which curl prints something and exits before any transfer (when not --no-). */
export const EXIT_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['help', 'prints its help'],
  ['version', 'prints its version'],
  ['manual', 'prints its manual'],
]);

/**
 * Proxy-looking options that select no proxy by themselves, with the plain reason. Reported
 * as near-misses when the process ends up using no proxy.
 */
export function indicatorReason(name: string): string | undefined {
  switch (name) {
    case 'request':
      return 'is --request (the HTTP method), not a proxy';
    case 'haproxy-protocol':
    case 'haproxy-clientip':
      return 'sends a HAProxy PROXY-protocol header to the server; it selects no proxy';
    case 'proxytunnel':
      return 'tunnels through a proxy only when another option selects one; alone it selects none';
    case 'proxy-user':
      return 'sets credentials for a proxy only when another option selects one; alone it selects none';
    case 'socks5-basic':
    case 'socks5-gssapi':
    case 'socks5-gssapi-nec':
    case 'socks5-gssapi-service':
      return 'configures SOCKS5 authentication; alone it selects no proxy';
    default:
      return name.startsWith('proxy-') ? 'configures a proxy only when another option selects one; alone it selects none' : undefined;
  }
}
