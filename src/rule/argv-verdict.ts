import { Collector } from './collector.js';
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

const MAX_PROXIES = 100;
const MAX_NEAR_MISSES = 50;

/** Decides for a curl invocation. */
export function decideArgv(invocation: Invocation, options: RuleOptions): Verdict {
  const walk = walkCurlArgs(invocation.words, invocation.start, invocation.env);
  const proxies: ProxyUse[] = [];
  let proxiesDropped = 0;
  const nearMisses = new Collector<NearMiss>(MAX_NEAR_MISSES, moreNearMisses);
  const notes = [...invocation.notes, ...walk.notes.toArray()];
  for (const miss of walk.rejected.values()) nearMisses.push(miss);
  for (const miss of walk.overridden.values()) nearMisses.push(miss);

  if (walk.stop !== null) {
    for (const segment of walk.segments) {
      for (const candidate of [segment.preproxy, segment.proxy]) {
        if (candidate !== null) nearMisses.push({ token: display(candidate), reason: `never used: curl stops first (${walk.stop})` });
      }
    }
    return verdict(false, [], nearMisses.toArray(), `curl uses no proxy: ${walk.stop}.`, notes);
  }

  let disabledBy: string | null = null;
  const configFile = walk.configFile;
  const seenEnv = new Set<string>();
  const envNoProxy = invocation.env.size === 0 ? null : envNoProxyAsOption(invocation.env);
  for (const segment of walk.segments) {
    const noproxy = segment.noproxy ?? envNoProxy;
    const starOff = noproxy !== null && noproxy.value === '*';
    const candidates = candidatesOf(segment, invocation, seenEnv, configFile, notes);
    let used = 0;
    for (const { candidate, source } of candidates) {
      if (starOff && options.noproxyStarDisables) {
        disabledBy = `${noproxy.option} '*'`;
        nearMisses.push({ token: display(candidate), reason: `${noproxy.option} '*' turns every proxy off for this transfer` });
        continue;
      }
      const outcome = toProxyUse(candidate, source, segment.index);
      if ('reason' in outcome) nearMisses.push(outcome);
      else {
        if (proxies.length < MAX_PROXIES) proxies.push(outcome);
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
  if (proxies.length > 0) return verdict(true, proxies, nearMisses.toArray(), matchReason(proxies, proxiesDropped), notes);

  const reason = noMatchReason(disabledBy, nearMisses.size > 0, walk.indicators.size > 0);
  // Proxy-looking options only matter when no proxy is used: they explain why nothing matched.
  for (const miss of walk.indicators.values()) nearMisses.push(miss);
  return verdict(false, [], nearMisses.toArray(), reason, notes);
}

interface Candidate {
  candidate: ProxyCandidate;
  source: ProxyUse['source'];
}

function candidatesOf(segment: Segment, invocation: Invocation, seenEnv: Set<string>, configFile: boolean, notes: string[]): Candidate[] {
  const out: Candidate[] = [];
  if (segment.preproxy !== null) out.push({ candidate: segment.preproxy, source: invocation.source });
  if (segment.proxy !== null) {
    out.push({ candidate: segment.proxy, source: invocation.source });
    return out; // an explicit proxy (even an empty one) overrides the environment
  }
  if (invocation.env.size === 0) return out; // nothing to look up (the common case)
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
    out.push({
      candidate: {
        option: `env ${found.name}`,
        canonical: found.name,
        value: found.value,
        resolved: found.value,
        defaultScheme: 'http',
        evasion: null,
      },
      source: 'env',
    });
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

function verdict(match: boolean, proxies: ProxyUse[], nearMisses: NearMiss[], reason: string, notes: string[]): Verdict {
  return { match, mode: 'argv', isCurl: true, proxies, nearMisses, reason, notes };
}
