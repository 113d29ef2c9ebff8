import {
  EXIT_OPTIONS,
  PREPROXY_DEFAULT_SCHEME,
  PROXY_SLOT_OPTIONS,
  findExactWord,
  findLongOption,
  findShortCode,
  indicatorReason,
  takesValue,
  type LongMatch,
  type OptionSpec,
} from './curl-options.js';
import { addTo, type Collector } from './collector.js';
import { CurlVariables } from './curl-variables.js';
import { redactCredentials, shorten, withValue } from './proxy-url.js';
import type { NearMiss, ProxyScheme } from './types.js';

/**
 * Walks curl's arguments with curl's own grammar (src/tool_getparam.c `parse_args()` and
 * `getparameter()`): short clusters, attached and separate values, long names, `--opt=value`,
 * `--no-`, `--expand-`, `--`, `--next`. It records which proxy each transfer would get; the
 * decision (env proxies, --noproxy, schemes) is made by curl-proxy.ts.
 */

/** A value given to a proxy-selecting option. */
export interface ProxyCandidate {
  /** As written: '-x', '--socks5-hostname', '--proxy=', '--PROXY'. */
  option: string;
  /** '--proxy', '--preproxy', ... */
  canonical: string;
  /** The raw value. */
  value: string;
  /** The value after {{variable}} expansion; null when it cannot be known from the event. */
  resolved: string | null;
  defaultScheme: ProxyScheme;
  evasion: string | null;
}

/** One URL of a transfer. */
export interface SegmentUrl {
  /** As written on the command line. */
  written: string;
  /** What curl reads ({{variables}} expanded for --expand-url); null when the event cannot tell. */
  text: string | null;
  /** Why `text` is null. */
  why: string | null;
}

/** One transfer (the part of the arguments up to a `--next`); every setting here is per transfer. */
export interface Segment {
  /** 1-based. */
  index: number;
  /** The proxy slot (-x and the --socks* options share it; the last one wins). */
  proxy: ProxyCandidate | null;
  preproxy: ProxyCandidate | null;
  /** --noproxy as written (the last one wins; an empty list still overrides the environment's). */
  noproxy: { option: string; value: string } | null;
  urls: SegmentUrl[];
  /** -g/--globoff: {} and [] in URLs are literal. */
  globoff: boolean;
  /** --proto-default: the scheme of URLs written without one. */
  protoDefault: string | null;
  /** --unix-socket/--abstract-unix-socket: curl then drops the -x (or environment) proxy. */
  unixSocket: { option: string; path: string } | null;
}

/** Everything the walk found. The collectors stay null until they get an item (see Collector). */
export interface CurlArgs {
  segments: Segment[];
  /** Proxies that were set and then replaced: never used. */
  overridden: Collector<NearMiss> | null;
  /** Proxy-looking options that select nothing by themselves (-X, -U, -p, --haproxy-*). */
  indicators: Collector<NearMiss> | null;
  /** Proxy options curl would not accept in this form (ambiguous or impossible spellings). */
  rejected: Collector<NearMiss> | null;
  notes: Collector<string> | null;
  /** Why curl stops before any transfer (help, version, a refused option), or null. */
  stop: string | null;
  /** True when -K/--config names a file: URLs and proxies may come from there. */
  configFile: boolean;
}

/** Walks `words[start..]` (the arguments after curl's argv[0]). `env` resolves --variable %NAME. */
export function walkCurlArgs(words: readonly string[], start: number, env: ReadonlyMap<string, string>): CurlArgs {
  const walk = new Walk(env);
  let options = true;
  for (let i = start; i < words.length && walk.stop === null; i++) {
    const word = words[i] as string;
    if (!options || !word.startsWith('-')) {
      walk.addUrl(word, word, null);
    } else if (word === '--') {
      options = false; // everything after is a URL, even when it starts with a dash
    } else if (word.startsWith('--')) {
      i += walk.long(word, words[i + 1]);
    } else {
      i += walk.short(word, words[i + 1]);
    }
  }
  return walk;
}

const PREFIX_NOTE = 'curl < 8.6.0 only (it matched long names case-insensitively and by unique prefix)';

/** The walk is its own result: one object per event instead of two. */
class Walk implements CurlArgs {
  segments: Segment[];
  overridden: Collector<NearMiss> | null = null;
  indicators: Collector<NearMiss> | null = null;
  rejected: Collector<NearMiss> | null = null;
  notes: Collector<string> | null = null;
  stop: string | null = null;
  configFile = false;
  /** The transfer being read. */
  private segment: Segment;
  private variables: CurlVariables | null = null;

  constructor(private readonly env: ReadonlyMap<string, string>) {
    this.segment = newSegment(1);
    this.segments = [this.segment];
  }

  /** A URL of the current transfer. Most transfers have one: its list is made for it. */
  addUrl(written: string, text: string | null, why: string | null): void {
    const url: SegmentUrl = { written, text, why };
    const urls = this.segment.urls;
    if (urls.length === 0) this.segment.urls = [url];
    else urls.push(url);
  }

  /** A `--name`, `--name=value`, `--no-name` or `--expand-name` word; returns how many following words it used. */
  long(word: string, next: string | undefined): number {
    // The common case, an exact name as written ('--proxy'), is decided without slicing the word.
    const exact = findExactWord(word);
    if (exact !== undefined) return this.known(exact, word, undefined, next, false, null);
    let name = word.slice(2);
    let negated = false;
    let expand = false;
    if (name.startsWith('no-')) {
      negated = true;
      name = name.slice(3);
    } else if (name.startsWith('expand-')) {
      expand = true;
      name = name.slice(7);
    }
    const eq = name.indexOf('=');
    const inline = eq >= 0 ? name.slice(eq + 1) : undefined;
    if (eq >= 0) name = name.slice(0, eq);
    const found = findLongOption(name);
    if (!found.found) return this.unknownLong(word, name, found.candidates, next);
    const { spec, how } = found;
    if (inline !== undefined && how !== 'exact') {
      // --opt=value exists since 8.16.0, abbreviations ended in 8.6.0: no curl accepts both.
      this.reject(spec, showWord(word), 'no curl version accepts an abbreviated or case-changed name together with =value');
      return 0;
    }
    if (negated && spec.kind !== 'bool') {
      this.stop = `it refuses ${showWord(word)} (--no- only applies to on/off options) and makes no transfer`;
      return 0;
    }
    if (expand && !takesValue(spec)) {
      this.stop = `it refuses ${showWord(word)} (--expand- only applies to options that take a value) and makes no transfer`;
      return 0;
    }
    const written = `--${negated ? 'no-' : expand ? 'expand-' : ''}${name}${inline !== undefined ? '=' : ''}`;
    const evasion = describeForm(how, spec, inline !== undefined, expand);
    if (!takesValue(spec) || spec.name === 'help') {
      this.flag(spec, written, !negated);
      return 0;
    }
    return this.known(spec, written, inline, next, expand, evasion);
  }

  /** A recognised long option that is used, not negated; returns how many following words it used. */
  private known(spec: OptionSpec, written: string, inline: string | undefined, next: string | undefined, expand: boolean, evasion: string | null): number {
    if (!takesValue(spec) || spec.name === 'help') {
      this.flag(spec, written, true);
      return 0;
    }
    const value = inline ?? next;
    if (value === undefined) {
      this.stop = `it refuses ${written} without a value and makes no transfer`;
      return 0;
    }
    this.valued(spec, written, value, expand, evasion);
    return inline === undefined ? 1 : 0;
  }

  /** A `-abc` cluster; returns how many following words it used. */
  short(word: string, next: string | undefined): number {
    if (word.length === 1) {
      this.note("a lone '-' is not a curl option (curl refuses it); judged the rest anyway");
      return 0;
    }
    for (let j = 1; j < word.length; j++) {
      const spec = findShortCode(word.charCodeAt(j));
      if (spec === undefined) {
        this.note(`curl has no option -${shorten(word[j] as string, 8)} (in ${shorten(word, 40)}); it would refuse it; judged the rest anyway`);
        return 0;
      }
      const written = spec.short as string; // every option found by its letter has one
      // --help takes an optional category; with or without it curl prints help and exits.
      if (!takesValue(spec) || spec.name === 'help') {
        this.flag(spec, written, true);
        if (this.stop !== null) return 0;
        continue;
      }
      // A value-taking letter eats the rest of the word, or else the next word.
      if (j + 1 < word.length) {
        this.valued(spec, written, word.slice(j + 1), false, null);
        return 0;
      }
      if (next === undefined) {
        this.stop = `it refuses ${written} without a value and makes no transfer`;
        return 0;
      }
      this.valued(spec, written, next, false, null);
      return 1;
    }
    return 0;
  }

  private flag(spec: OptionSpec, written: string, on: boolean): void {
    const exit = EXIT_OPTIONS.get(spec.name);
    if (exit !== undefined && on) {
      this.stop = `${written} makes it ${exit.replace('prints', 'print')} and exit before any transfer`;
      return;
    }
    if (spec.name === 'next') return this.nextSegment(written);
    if (spec.name === 'globoff') {
      this.segment.globoff = on;
      return;
    }
    this.indicator(spec, written);
  }

  private valued(spec: OptionSpec, written: string, value: string, expand: boolean, evasion: string | null): void {
    const name = spec.name;
    const slotScheme = PROXY_SLOT_OPTIONS.get(name);
    if (slotScheme !== undefined || name === 'preproxy') {
      const candidate: ProxyCandidate = {
        option: written,
        canonical: spec.canonical,
        value,
        resolved: expand ? this.expand(value) : value,
        defaultScheme: slotScheme ?? PREPROXY_DEFAULT_SCHEME,
        evasion,
      };
      const slot = name === 'preproxy' ? 'preproxy' : 'proxy';
      const previous = this.segment[slot];
      if (previous !== null) {
        this.overridden = addNearMiss(this.overridden, {
          token: withValue(previous.option, shorten(redactCredentials(previous.value), 80)),
          reason: `replaced by the later ${written} in the same transfer (curl keeps only the last one)`,
        });
      }
      this.segment[slot] = candidate;
      return;
    }
    switch (name) {
      case 'noproxy':
        this.segment.noproxy = { option: written, value: expand ? (this.expand(value) ?? value) : value };
        return;
      case 'url': {
        const text = expand ? this.expand(value) : value;
        // curl 8.13+ reads the URLs of `--url @file` from that file.
        if (text !== null && text.startsWith('@')) this.addUrl(value, null, `${written} @file: curl 8.13 and later read the URLs from that file`);
        else this.addUrl(value, text, text === null ? 'the URL holds a {{variable}} the event does not show' : null);
        return;
      }
      case 'proto-default':
        this.segment.protoDefault = expand ? (this.expand(value) ?? value) : value;
        return;
      case 'unix-socket':
      case 'abstract-unix-socket':
        this.segment.unixSocket = { option: written, path: value };
        return;
      case 'config':
        this.configFile = true;
        this.note(`${written} ${shorten(value, 80)}: proxy settings may also come from that config file, which the event does not show`);
        return;
      case 'variable':
        this.variables ??= new CurlVariables(this.env);
        this.variables.define(value);
        return;
      default:
        this.indicator(spec, written);
    }
  }

  private indicator(spec: OptionSpec, written: string): void {
    const reason = indicatorReason(spec.name);
    if (reason !== undefined) this.indicators = addNearMiss(this.indicators, { token: written, reason: `${written} ${reason}` });
  }

  private nextSegment(written: string): void {
    if (this.segment.urls.length === 0) {
      // curl 8.x refuses this; older versions ignore it and keep one transfer.
      this.note(`${written} without a URL before it does not start a new transfer`);
      return;
    }
    this.segment = newSegment(this.segment.index + 1);
    this.segments.push(this.segment);
  }

  private unknownLong(word: string, name: string, candidates: readonly OptionSpec[], next: string | undefined): number {
    const shown = showWord(word);
    const proxyLike = candidates.filter((c) => PROXY_SLOT_OPTIONS.has(c.name) || c.name === 'preproxy');
    if (candidates.length > 1) {
      const list = candidates.map((c) => `--${c.name}`).join(', ');
      if (proxyLike.length > 0) this.rejected = addNearMiss(this.rejected, { token: shown, reason: `ambiguous abbreviation (${list}): curl refuses it` });
      else this.note(`${shown} is an ambiguous abbreviation (${list}); curl refuses it`);
      // If every candidate takes a value, the next word is that value whatever the option.
      return candidates.every(takesValue) && next !== undefined ? 1 : 0;
    }
    this.note(`curl has no option --${shorten(name, 60)}; it would refuse it; judged the rest anyway`);
    return 0;
  }

  /** {{variable}} expansion; without any --variable nothing is known, but text without {{ stays as it is. */
  private expand(value: string): string | null {
    if (!value.includes('{{')) return value;
    return (this.variables ??= new CurlVariables(this.env)).expand(value);
  }

  private note(text: string): void {
    this.notes = addTo(this.notes, text, 20, moreNotes);
  }

  private reject(spec: OptionSpec, token: string, reason: string): void {
    if (PROXY_SLOT_OPTIONS.has(spec.name) || spec.name === 'preproxy') this.rejected = addNearMiss(this.rejected, { token, reason });
    else this.note(`${token}: ${reason}`);
  }
}

/** A long-option word for display: the part after '=' with credentials redacted, all of it cut short. */
function showWord(word: string): string {
  const eq = word.indexOf('=');
  return shorten(eq < 0 ? word : `${word.slice(0, eq + 1)}${redactCredentials(word.slice(eq + 1))}`, 80);
}

function newSegment(index: number): Segment {
  return { index, proxy: null, preproxy: null, noproxy: null, urls: [], globoff: false, protoDefault: null, unixSocket: null };
}

function addNearMiss(collector: Collector<NearMiss> | null, miss: NearMiss): Collector<NearMiss> {
  return addTo(collector, miss, 20, moreNearMisses);
}

function moreNearMisses(n: number): NearMiss {
  return { token: '…', reason: `${n} more of the same kind not listed` };
}

function moreNotes(n: number): string {
  return `${n} more notes not listed`;
}

function describeForm(how: LongMatch, spec: OptionSpec, inline: boolean, expand: boolean): string | null {
  if (how === 'exact' && !inline && !expand) return null;
  const forms: string[] = [];
  if (how === 'case') forms.push(`case-changed name of --${spec.name}, ${PREFIX_NOTE}`);
  if (how === 'prefix') forms.push(`abbreviation of --${spec.name}, ${PREFIX_NOTE}`);
  if (inline) forms.push('--option=value form, curl >= 8.16.0 only');
  if (expand) forms.push('--expand- form with {{variable}} expansion, curl >= 8.3.0');
  return forms.length === 0 ? null : forms.join('; ');
}
