import { addTo, valuesOf, type Collector } from './collector.js';
import { walkCurlArgs, type ProxyCandidate, type Segment } from './curl-args.js';
import { envNoProxy as readEnvNoProxy, envProxyFor } from './env-proxy.js';
import type { Invocation } from './invocation.js';
import { parseProxyValue, redactCredentials, shorten } from './proxy-url.js';
import type { NearMiss, ProxyUse, RuleOptions, Verdict } from './types.js';

/**
 * argv mode's decision for a process known to be curl: which proxies each transfer really
 * uses, after --noproxy, NO_PROXY, empty values, unsupported schemes and curl's
 * last-one-wins rule; and a sentence that says why.
 */

/** Most proxies a verdict lists; more are counted in a note (and make proxyHost suppressions refuse). */
export const MAX_PROXIES = 100;
const MAX_NEAR_MISSES = 50;

/** Decides for a curl invocation. */
export function decideArgv(invocation: Invocation, options: RuleOptions): Verdict {
  const walk = walkCurlArgs(invocation.words, invocation.start, invocation.env);
  let proxies: ProxyUse[] | null = null; // made on the first proxy, like the collectors
  let proxiesDropped = 0;
  let nearMisses: Collector<NearMiss> | null = null;
  // The invocation's notes are this verdict's own (readInvocation makes them per event).
  const notes = invocation.notes;
  for (const note of valuesOf(walk.notes)) notes.push(note);
  // The walk caps its own notes: what it left out counts towards the verdict's summary line.
  const walkHidden = walk.notes === null ? 0 : walk.notes.size - walk.notes.values().length;
  for (const miss of valuesOf(walk.rejected)) nearMisses = addNearMiss(nearMisses, miss);
  for (const miss of valuesOf(walk.overridden)) nearMisses = addNearMiss(nearMisses, miss);

  if (walk.stop !== null) {
    for (const segment of walk.segments) {
      for (const candidate of [segment.preproxy, segment.proxy]) {
        if (candidate !== null) nearMisses = addNearMiss(nearMisses, { token: display(candidate), reason: `never used: curl stops first (${walk.stop})` });
      }
    }
    return verdict(false, [], nearMissList(nearMisses), `curl uses no proxy: ${walk.stop}.`, { notes, hidden: walkHidden });
  }

  let disabledBy: string | null = null;
  const configFile = walk.configFile;
  // Environment proxies are listed once however many transfers use them; most events have no environment.
  const seenEnv = invocation.env.size === 0 ? null : new Set<string>();
  const envNoProxy = invocation.env.size === 0 ? null : envNoProxyAsOption(invocation.env);
  const segments = walk.segments;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s] as Segment;
    const noproxy = segment.noproxy ?? envNoProxy;
    const starOff = noproxy !== null && noproxy.value === '*';
    // The pre-proxy, the proxy, then (only without an explicit proxy, even an empty one) the environment's.
    const fromEnv = segment.proxy === null && seenEnv !== null ? envCandidatesOf(segment, invocation, seenEnv, configFile, notes) : NO_CANDIDATES;
    let used = 0;
    for (let c = 0; c < 2 + fromEnv.length; c++) {
      const candidate = c === 0 ? segment.preproxy : c === 1 ? segment.proxy : (fromEnv[c - 2] as ProxyCandidate);
      if (candidate === null) continue;
      const source = c < 2 ? invocation.source : 'env';
      if (starOff && options.noproxyStarDisables) {
        disabledBy = `${noproxy.option} '*'`;
        nearMisses = addNearMiss(nearMisses, { token: display(candidate), reason: `${noproxy.option} '*' turns every proxy off for this transfer` });
        continue;
      }
      const outcome = toProxyUse(candidate, source, segment.index);
      if ('reason' in outcome) nearMisses = addNearMiss(nearMisses, outcome);
      else {
        if (proxies === null) proxies = [outcome];
        else if (proxies.length < MAX_PROXIES) proxies.push(outcome);
        else proxiesDropped++;
        used++;
      }
    }
    if (starOff && !options.noproxyStarDisables && used > 0) {
      notes.push(`${noproxy.option} '*' would turn the proxy off; counted anyway because rule.noproxyStarDisables is false`);
    } else if (noproxy !== null && !starOff && used > 0) {
      notes.push(`${noproxy.option} ${shorten(noproxy.value, 80)} exempts only the hosts listed; the proxy applies to the others`);
    }
  }
  if (proxiesDropped > 0) notes.push(`${proxiesDropped} more proxies not listed`);
  if (proxies !== null) return verdict(true, proxies, nearMissList(nearMisses), matchReason(proxies, proxiesDropped), { notes, hidden: walkHidden });

  const reason = noMatchReason(disabledBy, nearMisses !== null, walk.indicators !== null);
  // Proxy-looking options only matter when no proxy is used: they explain why nothing matched.
  for (const miss of valuesOf(walk.indicators)) nearMisses = addNearMiss(nearMisses, miss);
  return verdict(false, [], nearMissList(nearMisses), reason, { notes, hidden: walkHidden });
}

function addNearMiss(collector: Collector<NearMiss> | null, miss: NearMiss): Collector<NearMiss> {
  return addTo(collector, miss, MAX_NEAR_MISSES, moreNearMisses);
}

function nearMissList(collector: Collector<NearMiss> | null): NearMiss[] {
  return collector === null ? [] : collector.toArray();
}

const NO_CANDIDATES: readonly ProxyCandidate[] = Object.freeze([]);

/** The environment proxies a transfer without an explicit proxy uses, each variable listed once per verdict. */
function envCandidatesOf(segment: Segment, invocation: Invocation, seenEnv: Set<string>, configFile: boolean, notes: string[]): ProxyCandidate[] {
  const out: ProxyCandidate[] = [];
  if (segment.urls.length === 0 && !configFile) {
    if (envProxyFor('http', invocation.env) !== null) {
      notes.push(`transfer ${segment.index} has no URL, so curl makes no request there and environment proxies do not apply`);
    }
    return out;
  }
  const schemes = segment.urls.length === 0 ? ['http'] : segment.urls.map(urlScheme);
  for (const scheme of new Set(schemes)) {
    const found = envProxyFor(scheme, invocation.env);
    if (found === null || seenEnv.has(found.name)) continue;
    seenEnv.add(found.name);
    out.push({ option: `env ${found.name}`, canonical: found.name, value: found.value, resolved: found.value, defaultScheme: 'http', evasion: null });
  }
  return out;
}

function envNoProxyAsOption(env: ReadonlyMap<string, string>): { option: string; value: string } | null {
  const found = readEnvNoProxy(env);
  return found === null ? null : { option: `env ${found.name}`, value: found.value };
}

function toProxyUse(candidate: ProxyCandidate, source: ProxyUse['source'], segment: number): ProxyUse | NearMiss {
  if (candidate.resolved === null) {
    // {{variable}} from a file, a function or the unknown: still a proxy, its target unknown.
    return proxyUse(candidate, source, segment, shorten(redactCredentials(candidate.value)), null, null, null);
  }
  if (candidate.resolved === '') {
    return { token: `${candidate.option} ""`, reason: `an empty ${candidate.canonical} turns proxies off (including environment proxies); it selects none` };
  }
  const parsed = parseProxyValue(candidate.resolved, candidate.defaultScheme);
  if (parsed.problem !== null) return { token: display(candidate), reason: parsed.problem };
  const url = candidate.resolved === candidate.value ? parsed.url : shorten(redactCredentials(candidate.value));
  return proxyUse(candidate, source, segment, url, parsed.scheme, parsed.host, parsed.port);
}

function proxyUse(
  candidate: ProxyCandidate,
  source: ProxyUse['source'],
  segment: number,
  url: string,
  scheme: ProxyUse['scheme'],
  host: string | null,
  port: number | null,
): ProxyUse {
  return { option: candidate.option, canonical: candidate.canonical, url, scheme, host, port, source, evasion: candidate.evasion, segment };
}

function moreNearMisses(n: number): NearMiss {
  return { token: '…', reason: `${n} more near-misses not listed` };
}

/** The URL's scheme, lower-cased; without one, curl guesses from the host name (ftp.x -> ftp), else http. */
export function urlScheme(url: string): string {
  const sep = url.indexOf('://');
  if (sep > 0 && sep <= 40 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, sep))) return url.slice(0, sep).toLowerCase();
  const host = url.slice(0, 8).toLowerCase();
  for (const guess of ['ftp', 'dict', 'ldap', 'imap', 'smtp', 'pop3']) if (host.startsWith(`${guess}.`)) return guess;
  return 'http';
}

function display(candidate: ProxyCandidate): string {
  return `${candidate.option} ${shorten(redactCredentials(candidate.value), 120)}`;
}

function matchReason(proxies: readonly ProxyUse[], dropped: number): string {
  const total = proxies.length + dropped;
  const first = proxies[0] as ProxyUse;
  if (total === 1) return `curl uses a proxy: ${first.option} ${first.url}.`;
  const shown: string[] = [];
  for (let i = 0; i < proxies.length && i < 3; i++) shown.push(`${(proxies[i] as ProxyUse).option} ${(proxies[i] as ProxyUse).url}`);
  const more = total > 3 ? ` and ${total - 3} more` : '';
  const what = total === 1 ? 'a proxy' : `${total} proxies`;
  return `curl uses ${what}: ${shown.join(', ')}${more}.`;
}

function noMatchReason(disabledBy: string | null, refused: boolean, indicators: boolean): string {
  if (disabledBy !== null) return `curl uses no proxy: ${disabledBy} turns off the proxy it was given.`;
  if (refused) return 'curl uses no proxy: every proxy it was given is replaced, empty or refused by curl (see near-misses).';
  if (indicators) return 'curl uses no proxy: it has proxy-related options, but none of them selects a proxy.';
  return NO_PROXY_REASON;
}

/** The reason when nothing proxy-like was given (also used by the fast path, so both read the same). */
export const NO_PROXY_REASON = 'curl uses no proxy: no proxy option and no proxy environment variable.';

/** Notes kept per verdict: a command line of thousands of --next transfers must not make a megabyte verdict. */
export const MAX_NOTES = 20;

function verdict(match: boolean, proxies: ProxyUse[], nearMisses: NearMiss[], reason: string, notes: { notes: string[]; hidden: number }): Verdict {
  return { match, mode: 'argv', isCurl: true, proxies, nearMisses, reason, notes: capNotes(notes.notes, notes.hidden) };
}

/** The distinct notes in order, at most MAX_NOTES of them, then one count of all left out (`hidden` already were). */
function capNotes(notes: string[], hidden: number): string[] {
  if (notes.length <= 1 && hidden === 0) return notes;
  const kept = [...new Set(notes)];
  let left = hidden;
  if (kept.length > MAX_NOTES) {
    left += kept.length - MAX_NOTES;
    kept.length = MAX_NOTES;
  }
  if (left > 0) kept.push(`${left} more notes not listed`);
  return kept;
}
