import { addTo, valuesOf, type Collector } from './collector.js';
import { walkCurlArgs, type CurlArgs, type ProxyCandidate, type Segment } from './curl-args.js';
import { anyEnvProxies, envNoProxy as readEnvNoProxy, envProxyFor } from './env-proxy.js';
import type { Invocation } from './invocation.js';
import { compileNoProxy, type NoProxyList } from './noproxy.js';
import { parseProxyValue, redactCredentials, shorten, withValue } from './proxy-url.js';
import { routeUrl, type EnvHops, type Hop, type RouteSink, type TransferSetup } from './transfer-route.js';
import type { NearMiss, ProxyUse, RuleOptions, UrlRoute, Verdict } from './types.js';

/**
 * argv mode's decision for a process known to be curl: where each URL goes (transfer-route.ts:
 * no-proxy lists, -x/--socks*, --preproxy, the proxy variable for its scheme), which proxies
 * those routes use, and a sentence that says why. A process matches when some URL goes (or,
 * as far as the event can tell, may go) through a proxy; a proxy curl refuses still counts.
 */

/** Most proxies a verdict lists; more are counted in a note (and make proxyHost suppressions refuse). */
export const MAX_PROXIES = 100;
/** Most URL routes a verdict lists; more are counted in a note. */
export const MAX_ROUTES = 100;
const MAX_NEAR_MISSES = 50;

/** Decides for a curl invocation. */
export function decideArgv(invocation: Invocation, options: RuleOptions): Verdict {
  const walk = walkCurlArgs(invocation.words, invocation.start, invocation.env);
  const decision = new Decision(invocation, options, walk);
  for (const miss of valuesOf(walk.rejected)) decision.nearMiss(miss);
  for (const miss of valuesOf(walk.overridden)) decision.nearMiss(miss);

  if (walk.stop !== null) {
    for (const segment of walk.segments) {
      for (const candidate of [segment.preproxy, segment.proxy]) {
        if (candidate !== null) decision.nearMiss({ token: display(candidate), reason: `never used: curl stops first (${walk.stop})` });
      }
      for (const url of segment.urls) {
        decision.route({ segment: segment.index, url: shorten(redactCredentials(url.written), 80), host: null, route: 'direct', firstHop: null, reason: `No transfer: ${walk.stop}.` });
      }
    }
    return decision.verdict(false, `curl uses no proxy: ${walk.stop}.`);
  }

  for (const segment of walk.segments) decision.transfer(segment);
  decision.unusedEnvProxies();
  if (decision.proxies.length > 0) return decision.verdict(true, matchReason(decision.proxies, decision.proxiesDropped));
  const reason = noMatchReason(decision.starOff, decision.exempted, decision.nearMisses !== null, walk.indicators !== null);
  // Proxy-looking options only matter when no proxy is used: they explain why nothing matched.
  for (const miss of valuesOf(walk.indicators)) decision.nearMiss(miss);
  return decision.verdict(false, reason);
}

/** The verdict being built for one event. */
class Decision implements RouteSink {
  proxies: ProxyUse[] = [];
  proxiesDropped = 0;
  nearMisses: Collector<NearMiss> | null = null;
  /** The source of a '*' no-proxy list that turned a proxy off, or null. */
  starOff: string | null = null;
  /** True when a no-proxy list exempted some URL from its proxy. */
  exempted = false;
  private readonly routes: UrlRoute[] = [];
  private routesDropped = 0;
  /** The invocation's notes are this verdict's own (readInvocation makes them per event). */
  private readonly notes: string[];
  /** The walk caps its own notes: what it left out counts towards the verdict's summary line. */
  private readonly walkHidden: number;
  /** The environment's no-proxy list, compiled on first use (undefined until then). */
  private envList: NoProxyList | null | undefined = undefined;
  /** --noproxy of the transfer being routed. */
  private noproxy: Segment['noproxy'] = null;
  private readonly env: EnvProxies;

  constructor(
    private readonly invocation: Invocation,
    private readonly options: RuleOptions,
    private readonly walk: CurlArgs,
  ) {
    this.notes = invocation.notes;
    for (const note of valuesOf(walk.notes)) this.notes.push(note);
    this.walkHidden = walk.notes === null ? 0 : walk.notes.size - walk.notes.values().length;
    this.env = new EnvProxies(invocation.env);
  }

  nearMiss(miss: NearMiss): void {
    this.nearMisses = addTo(this.nearMisses, miss, MAX_NEAR_MISSES, moreNearMisses);
  }

  route(route: UrlRoute): void {
    if (this.routes.length < MAX_ROUTES) this.routes.push(route);
    else this.routesDropped++;
  }

  /** Lists a proxy the first time some URL goes (or may go) through it, with that URL's transfer. */
  use(hop: Hop, segment: number): void {
    hop.used = true;
    hop.use.segment = segment; // an environment proxy belongs to the first transfer that uses it
    if (this.proxies.length < MAX_PROXIES) this.proxies.push(hop.use);
    else this.proxiesDropped++;
  }

  /** Routes every URL of one transfer; its proxies that no URL used become near-misses. */
  transfer(segment: Segment): void {
    const source = this.invocation.source;
    const preproxy = hopOf(segment.preproxy, source, segment.index);
    let proxy = hopOf(segment.proxy, source, segment.index);
    let offWhy = `an empty ${segment.proxy !== null ? segment.proxy.canonical : '--preproxy'} turns proxies off (the environment's too).`;
    for (const candidate of [segment.preproxy, segment.proxy]) {
      if (candidate !== null && candidate.resolved === '') {
        this.nearMiss({ token: withValue(candidate.option, '""'), reason: `an empty ${candidate.canonical} turns proxies off (including environment proxies); it selects none` });
      }
    }
    if (proxy !== null && segment.unixSocket !== null) {
      this.nearMiss({ token: withValue(proxy.use.option, shorten(proxy.use.url, 120)), reason: `never used: curl drops the proxy when ${segment.unixSocket.option} is given` });
      offWhy = `${segment.unixSocket.option} makes curl drop the ${proxy.use.option} proxy.`;
      proxy = null;
    }
    const setup: TransferSetup = {
      index: segment.index,
      proxy,
      preproxy,
      explicit: segment.proxy !== null || segment.preproxy !== null,
      hops: preproxy === null ? (proxy === null ? [] : [proxy]) : proxy === null ? [preproxy] : [preproxy, proxy],
      offWhy,
      list: undefined,
      starDisables: this.options.noproxyStarDisables,
      unixSocket: segment.unixSocket,
      context: { protoDefault: segment.protoDefault, globbing: !segment.globoff },
    };
    this.noproxy = segment.noproxy;
    let proxied = 0;
    for (const url of segment.urls) {
      const route = routeUrl(setup, url, this.env, this);
      if (route.route !== 'direct') proxied++;
      this.route(route);
    }
    // Without a URL, or with a -K config file that may add some, the URLs the event shows are not all.
    if (segment.urls.length === 0 || this.walk.configFile) proxied += this.unseenUrls(setup, segment);

    for (const hop of [preproxy, proxy]) {
      if (hop !== null && !hop.used) this.nearMiss(unusedHop(hop, segment.urls.length === 0 ? 'this transfer has no URL' : 'no URL of this transfer uses it'));
    }
    const current = setup.list ?? null;
    if (current === null || !(proxied > 0 || this.exempted)) return;
    if (current.all && !this.options.noproxyStarDisables) {
      this.notes.push(`${current.source} '*' would turn the proxy off; counted anyway because rule.noproxyStarDisables is false`);
    } else if (!current.all && !current.empty && proxied > 0) {
      this.notes.push(`${current.source} ${shorten(current.value, 80)} exempts only the hosts listed; the proxy applies to the others`);
    }
    if (current.ignoredTail !== null) {
      this.notes.push(
        `${current.source} separates names with blanks only from "${shorten(current.ignoredTail, 40)}" on: curl 7.88.1 reads them, current curl stops there, so they exempt nothing here`,
      );
    }
  }

  /** Environment proxies that some URL would have used but a no-proxy list exempted. */
  unusedEnvProxies(): void {
    if (this.env.made === null) return;
    for (const hop of this.env.made.values()) if (!hop.used && hop.exempted !== null) this.nearMiss(unusedHop(hop, ''));
  }

  /**
   * URLs the event cannot show. A transfer without a URL makes no request unless a config file
   * (.curlrc, -K) supplies one: an explicit proxy option still counts (it is the behaviour), an
   * environment proxy only with -K. With -K the file may add URLs to any transfer, whose hosts
   * no no-proxy list can be known to exempt (only '*' does): the proxies count too.
   */
  private unseenUrls(setup: TransferSetup, segment: Segment): number {
    const hops: Hop[] = [];
    if (setup.preproxy !== null) hops.push(setup.preproxy);
    if (setup.proxy !== null) hops.push(setup.proxy);
    if (!setup.explicit && setup.unixSocket === null) {
      if (this.walk.configFile) {
        const hop = this.env.forScheme('http');
        if (hop !== null) hops.push(hop);
      } else if (envProxyFor('http', this.invocation.env) !== null) {
        this.notes.push(`transfer ${segment.index} has no URL, so curl makes no request there and environment proxies do not apply`);
      }
    }
    if (hops.length === 0) return 0;
    const list = this.listOf(setup);
    if (list !== null && list.all && this.options.noproxyStarDisables) {
      for (const hop of hops) hop.exempted ??= `${list.source} '*' turns every proxy off for this transfer`;
      this.exempt(list);
      return 0;
    }
    let counted = 0;
    for (const hop of hops) {
      if (hop.used) continue;
      this.use(hop, segment.index);
      counted++;
    }
    if (counted > 0 && segment.urls.length > 0) {
      this.notes.push(`a -K config file may add URLs to transfer ${segment.index}: its proxies count whatever the URLs shown`);
    }
    return 1;
  }

  exempt(list: NoProxyList): void {
    this.exempted = true;
    if (list.all) this.starOff ??= list.source;
  }

  /** --noproxy of the transfer being routed (even empty), else the environment's list (compiled once per event). */
  listOf(setup: TransferSetup): NoProxyList | null {
    if (setup.list !== undefined) return setup.list;
    if (this.noproxy !== null) return (setup.list = compileNoProxy(this.noproxy.option, this.noproxy.value));
    if (this.envList === undefined) {
      const found = this.invocation.env.size === 0 ? null : readEnvNoProxy(this.invocation.env);
      this.envList = found === null ? null : compileNoProxy(`env ${found.name}`, found.value);
    }
    return (setup.list = this.envList);
  }

  verdict(match: boolean, reason: string): Verdict {
    if (this.proxiesDropped > 0) this.notes.push(`${this.proxiesDropped} more proxies not listed`);
    if (this.routesDropped > 0) this.notes.push(`${this.routesDropped} more URLs not listed in routes`);
    const nearMisses = this.nearMisses === null ? [] : this.nearMisses.toArray();
    return {
      match,
      mode: 'argv',
      isCurl: true,
      proxies: match ? this.proxies : [],
      routes: this.routes,
      nearMisses,
      reason,
      notes: capNotes(this.notes, this.walkHidden),
    };
  }
}

/** A proxy no URL went through, as a near-miss. */
function unusedHop(hop: Hop, otherwise: string): NearMiss {
  return { token: withValue(hop.use.option, shorten(hop.use.url, 120)), reason: `never used: ${hop.exempted ?? otherwise}` };
}

/** A proxy option's value as a hop, or null when it is empty (which turns proxies off). */
function hopOf(candidate: ProxyCandidate | null, source: ProxyUse['source'], segment: number): Hop | null {
  if (candidate === null || candidate.resolved === '') return null;
  return { use: toProxyUse(candidate, source, segment), used: false, exempted: null };
}

/** The environment's proxies, each made into a hop once per event (and so listed once). */
class EnvProxies implements EnvHops {
  /** Made on first use: most events have no environment. */
  made: Map<string, Hop> | null = null;
  private all: Hop[] | null = null;

  constructor(private readonly env: ReadonlyMap<string, string>) {}

  forScheme(scheme: string): Hop | null {
    if (this.env.size === 0) return null;
    const found = envProxyFor(scheme, this.env);
    return found === null ? null : this.hop(found.name, found.value);
  }

  any(): Hop[] {
    if (this.env.size === 0) return [];
    return (this.all ??= anyEnvProxies(this.env).map((found) => this.hop(found.name, found.value)));
  }

  private hop(name: string, value: string): Hop {
    this.made ??= new Map();
    let found = this.made.get(name);
    if (found === undefined) {
      const shown = shorten(name, 60);
      const candidate: ProxyCandidate = { option: `env ${shown}`, canonical: shown, value, resolved: value, defaultScheme: 'http', evasion: null };
      found = { use: toProxyUse(candidate, 'env', 1), used: false, exempted: null };
      this.made.set(name, found);
    }
    return found;
  }
}

function moreNearMisses(n: number): NearMiss {
  return { token: '…', reason: `${n} more near-misses not listed` };
}

/** A proxy value as a ProxyUse: parsed, redacted, and marked when curl refuses it. */
function toProxyUse(candidate: ProxyCandidate, source: ProxyUse['source'], segment: number): ProxyUse {
  const { option, canonical, evasion } = candidate;
  if (candidate.resolved === null) {
    // {{variable}} from a file, a function or the unknown: still a proxy, its target unknown.
    return { option, canonical, url: shorten(redactCredentials(candidate.value)), scheme: null, host: null, port: null, source, evasion, segment, refused: null };
  }
  const parsed = parseProxyValue(candidate.resolved, candidate.defaultScheme);
  const url = candidate.resolved === candidate.value ? parsed.url : shorten(redactCredentials(candidate.value));
  return { option, canonical, url, scheme: parsed.scheme, host: parsed.host, port: parsed.port, source, evasion, segment, refused: parsed.problem };
}

function display(candidate: ProxyCandidate): string {
  return withValue(candidate.option, shorten(redactCredentials(candidate.value), 120));
}

function matchReason(proxies: readonly ProxyUse[], dropped: number): string {
  const total = proxies.length + dropped;
  const first = proxies[0] as ProxyUse;
  const refused = proxies.some((p) => p.refused !== null) ? ' (a proxy curl refuses still counts: trying to tunnel is the behaviour)' : '';
  if (total === 1) return `curl uses a proxy: ${withValue(first.option, first.url)}${refused}.`;
  const shown: string[] = [];
  for (let i = 0; i < proxies.length && i < 3; i++) shown.push(withValue((proxies[i] as ProxyUse).option, (proxies[i] as ProxyUse).url));
  const more = total > 3 ? ` and ${total - 3} more` : '';
  return `curl uses ${total} proxies: ${shown.join(', ')}${more}${refused}.`;
}

function noMatchReason(starOff: string | null, exempted: boolean, nearMisses: boolean, indicators: boolean): string {
  if (starOff !== null) return `curl uses no proxy: ${starOff} '*' turns off the proxy it was given.`;
  if (exempted) return 'curl uses no proxy: a no-proxy list exempts every URL that had a proxy (see routes).';
  if (nearMisses) return 'curl uses no proxy: every proxy it was given is replaced, empty or never used (see near-misses).';
  if (indicators) return 'curl uses no proxy: it has proxy-related options, but none of them selects a proxy.';
  return NO_PROXY_REASON;
}

/** The reason when nothing proxy-like was given (also used by the fast path, so both read the same). */
export const NO_PROXY_REASON = 'curl uses no proxy: no proxy option and no proxy environment variable.';

/** Notes kept per verdict: a command line of thousands of --next transfers must not make a megabyte verdict. */
export const MAX_NOTES = 20;

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
