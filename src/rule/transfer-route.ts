import type { SegmentUrl } from './curl-args.js';
import { listedBy, type NoProxyList } from './noproxy.js';
import { redactCredentials, shorten } from './proxy-url.js';
import type { ProxyUse, UrlRoute } from './types.js';
import { connectHost, urlTarget, type UrlContext, type UrlTarget } from './url-host.js';

/**
 * Where one URL of a transfer goes, as lib/url.c `create_conn_helper_init_proxy` decides it:
 * the no-proxy list (--noproxy, else no_proxy, else NO_PROXY) is checked against the URL's host
 * first, and a listed host drops every proxy of the transfer, the pre-proxy included; otherwise
 * -x/--socks* and --preproxy apply when either was given (even empty: then the environment is
 * not read), else the proxy variable for the URL's scheme. file:// never uses a proxy;
 * --unix-socket drops the -x (or environment) proxy but keeps the pre-proxy, as 7.88.1 does.
 */

/** A proxy a transfer may use, made into a ProxyUse once. */
export interface Hop {
  use: ProxyUse;
  /** Made on first use, then shared by the routes through this hop. */
  firstHop?: NonNullable<UrlRoute['firstHop']>;
  /** True once some URL goes (or may go) through it (set by the sink's use()). */
  used: boolean;
  /** Why a URL that would have used it went direct (the first such reason), for near-misses. */
  exempted: string | null;
}

/** Everything about one transfer that does not depend on its URLs (made once per transfer). */
export interface TransferSetup {
  index: number;
  /** The -x/--socks* proxy, when set, not empty and not dropped by --unix-socket. */
  proxy: Hop | null;
  preproxy: Hop | null;
  /** -x, --socks* or --preproxy given at all (even empty): curl then reads no proxy variable. */
  explicit: boolean;
  /** The explicit proxies in the order curl connects (pre-proxy first); empty when none is left. */
  hops: readonly Hop[];
  /** Why the given options select no proxy ('-x "" turns proxies off'), when they select none. */
  offWhy: string;
  /** The no-proxy list that applies; undefined until the sink compiled it, null when there is none. */
  list: NoProxyList | null | undefined;
  /** rule.noproxyStarDisables. */
  starDisables: boolean;
  unixSocket: { option: string; path: string } | null;
  context: UrlContext;
}

/** What the routes tell the verdict being built (methods, so no closure is made per transfer). */
export interface RouteSink {
  /** The transfer's no-proxy list, compiled once (sets setup.list). */
  listOf(setup: TransferSetup): NoProxyList | null;
  /** Called once per hop, the first time a URL goes (or may go) through it, pre-proxy first. */
  use(hop: Hop, segment: number): void;
  /** Called when the list exempts a URL that had a proxy. */
  exempt(list: NoProxyList): void;
}

/** The environment's proxies, each made into a Hop once per event. */
export interface EnvHops {
  /** The variable curl reads for a URL of this scheme, or null. */
  forScheme(scheme: string): Hop | null;
  /** Every proxy variable, for a URL whose scheme the event cannot show. */
  any(): readonly Hop[];
}

/** Longest URL, host and value a route shows (a verdict lists up to 100 routes and stays small). */
const MAX_SHOWN_URL = 80;
const MAX_SHOWN_HOST = 80;
const MAX_SHOWN_VALUE = 40;

/** Schemes curl has a protocol handler for (some builds leave some out). */
const CURL_SCHEMES: ReadonlySet<string> = new Set([
  'dict', 'file', 'ftp', 'ftps', 'gopher', 'gophers', 'http', 'https', 'imap', 'imaps', 'ldap', 'ldaps', 'mqtt', 'mqtts', 'pop3',
  'pop3s', 'rtmp', 'rtmpe', 'rtmps', 'rtmpt', 'rtmpte', 'rtmpts', 'rtsp', 'scp', 'sftp', 'smb', 'smbs', 'smtp', 'smtps', 'telnet',
  'tftp', 'ws', 'wss',
]);

const NO_HOPS: readonly Hop[] = Object.freeze([]);

/** Decides one URL; tells the sink which hops it goes through. */
export function routeUrl(setup: TransferSetup, url: SegmentUrl, env: EnvHops, sink: RouteSink): UrlRoute {
  const target: UrlTarget = url.text === null ? unknownTarget(url.why) : isIpfs(url.text) ? IPFS_TARGET : urlTarget(url.text, setup.context);
  if (target.scheme === 'file') return makeRoute(setup, url, target, 'direct', null, 'Direct: file:// makes no network connection, so curl uses no proxy for it.');

  // The proxies that apply unless the host is exempted.
  let hops = setup.hops;
  let schemeUnknown = false;
  let none = setup.offWhy;
  if (!setup.explicit) {
    if (target.scheme !== null) {
      const hop = env.forScheme(target.scheme);
      hops = hop === null ? NO_HOPS : [hop];
      none = `no proxy option, and no proxy variable for ${shorten(target.scheme, 40)}:// URLs.`;
      if (hop !== null && setup.unixSocket !== null) {
        hops = NO_HOPS;
        none = `${setup.unixSocket.option} makes curl drop the proxy of ${hop.use.option}.`;
      }
    } else {
      hops = setup.unixSocket === null ? env.any() : NO_HOPS;
      schemeUnknown = hops.length > 0;
      none = 'no proxy option, and no proxy variable.';
    }
  }
  if (hops.length === 0) return makeRoute(setup, url, target, 'direct', null, `Direct: ${none}`);

  const list = sink.listOf(setup);
  const exemption = list === null ? null : exemptionOf(list, target, setup.starDisables);
  if (exemption !== null && list !== null) {
    for (const hop of hops) hop.exempted ??= exemption;
    sink.exempt(list);
    return makeRoute(setup, url, target, 'direct', null, `Direct: ${exemption}.`);
  }
  let via = '';
  let refused: Hop | null = null;
  for (const hop of hops) {
    if (!hop.used) sink.use(hop, setup.index);
    via = via === '' ? hop.use.option : `${via}, then ${hop.use.option}`;
    if (refused === null && hop.use.refused !== null) refused = hop;
  }
  const unsupported = target.scheme !== null && !CURL_SCHEMES.has(target.scheme);
  if (schemeUnknown || unsupported || (target.host === null && list !== null && !list.empty && !list.all)) {
    const why = schemeUnknown
      ? `its scheme cannot be known (${target.why ?? 'unreadable URL'}), so neither can its proxy variable`
      : unsupported
        ? `curl has no ${shorten(target.scheme ?? '', 40)}:// protocol in the builds the rule knows (it would refuse the URL)`
        : `its host cannot be known (${target.why ?? 'unreadable URL'}), so ${list === null ? 'the no-proxy list' : list.source} may list it`;
    return makeRoute(setup, url, target, 'unknown', null, `Counted as proxied through ${via}: ${why}.`);
  }
  const socket = setup.unixSocket !== null && setup.explicit ? setup.unixSocket : null;
  const firstHop = socket !== null ? { option: socket.option, host: shorten(socket.path, MAX_SHOWN_HOST), port: null } : firstHopOf(hops[0] as Hop);
  const listed = list === null || list.empty ? '' : `; ${list.source} ${quoted(list.value)} does not list ${target.host === null ? 'it' : shorten(target.host, MAX_SHOWN_HOST)}`;
  const over = socket !== null ? `, spoken over the ${socket.option} path` : '';
  const refusal = refused === null ? '' : ` (but curl refuses the ${refused.use.option} value: ${refused.use.refused}; it then connects nowhere, and trying still counts)`;
  return makeRoute(setup, url, target, 'proxy', firstHop, `Through ${via}${over}${listed}${refusal}.`);
}

function makeRoute(setup: TransferSetup, url: SegmentUrl, target: UrlTarget, route: UrlRoute['route'], firstHop: UrlRoute['firstHop'], reason: string): UrlRoute {
  return {
    segment: setup.index,
    url: shorten(redactCredentials(url.written), MAX_SHOWN_URL),
    host: target.host === null ? null : shorten(target.host, MAX_SHOWN_HOST),
    route,
    firstHop,
    reason,
  };
}

/** The host:port curl connects to first through this hop, made once per hop. */
function firstHopOf(hop: Hop): NonNullable<UrlRoute['firstHop']> {
  return (hop.firstHop ??= { option: hop.use.option, host: hop.use.host === null ? null : shorten(connectHost(hop.use.host), MAX_SHOWN_HOST), port: hop.use.port });
}

function unknownTarget(why: string | null): UrlTarget {
  return { scheme: null, host: null, kind: 'name', why };
}

const IPFS_TARGET: UrlTarget = Object.freeze({ scheme: null, host: null, kind: 'name', why: 'the curl tool rewrites ipfs:// and ipns:// URLs to a gateway URL' });

/** ipfs: or ipns: in any case (the curl tool rewrites such URLs to a gateway). */
function isIpfs(text: string): boolean {
  if (text.length < 5 || text.charCodeAt(4) !== 0x3a) return false;
  const a = text.charCodeAt(0) | 0x20;
  const b = text.charCodeAt(1) | 0x20;
  const c = text.charCodeAt(2) | 0x20;
  const d = text.charCodeAt(3) | 0x20;
  return a === 0x69 && b === 0x70 && (c === 0x66 || c === 0x6e) && d === 0x73;
}

/** Why the list exempts the URL (its whole transfer), or null. */
function exemptionOf(list: NoProxyList, target: UrlTarget, starDisables: boolean): string | null {
  if (list.empty) return null;
  if (list.all) return starDisables ? `${list.source} '*' turns every proxy off for this transfer` : null;
  if (target.host === null) return null;
  const entry = listedBy(list, { host: target.host, kind: target.kind });
  if (entry === null) return null;
  const host = shorten(target.host, MAX_SHOWN_HOST);
  const value = quoted(list.value);
  return entry === list.value ? `${list.source} ${value} lists ${host}` : `${list.source} ${value} lists ${host} (entry ${quoted(entry)})`;
}

/** A list or entry for a sentence: cut short, quoted when it holds blanks or is empty. */
function quoted(text: string): string {
  const short = shorten(text, MAX_SHOWN_VALUE);
  return short === '' || /\s/.test(short) ? `'${short}'` : short;
}
