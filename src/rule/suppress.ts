import type { Suppression } from '../config/schema.js';
import { cidrContains, parseCidr, parseIp, sameIp } from './cidr.js';
import { MAX_PROXIES } from './argv-verdict.js';
import { compileGlob, globMatch } from './glob.js';
import type { Verdict } from './types.js';

/**
 * The analytic's `linux_proxy_socks_curl_filter` macro as configuration: a list of expected
 * matches, each with a reason. The caller counts and reports what a suppression caught; this
 * module only says which entry applies.
 */

/** The event fields a suppression can look at (CIM names). */
export interface SuppressionContext {
  dest?: string | undefined;
  user?: string | undefined;
  parentProcessName?: string | undefined;
  commandLine?: string | undefined;
}

/**
 * The first suppression whose every given field applies, or undefined. Only matches are
 * suppressed. `proxyHost` applies only when it covers EVERY proxy of the verdict (the host
 * equals it case-insensitively, is the same IP however written, or lies inside that IPv4/IPv6
 * CIDR block): a corporate `-x` next to an attacker's `--preproxy socks5://...` stays a match.
 * A proxy whose host is unknown (a `{{variable}}`, or any splunk-mode verdict, whose pattern
 * hits carry no host) is never covered, so a `proxyHost` suppression never applies in splunk
 * mode; nor to a verdict that lists MAX_PROXIES proxies, since more may be left unlisted.
 * `host` compares with the endpoint (dest); `commandLine` is a Splunk-style `*` pattern over
 * the whole line.
 */
export function findSuppression(
  verdict: Verdict,
  ctx: SuppressionContext,
  suppressions: readonly Suppression[],
): Suppression | undefined {
  if (!verdict.match) return undefined;
  return suppressions.find((s) => applies(s, verdict, ctx));
}

function applies(s: Suppression, verdict: Verdict, ctx: SuppressionContext): boolean {
  if (s.host !== undefined && !sameText(s.host, ctx.dest)) return false;
  if (s.user !== undefined && !sameText(s.user, ctx.user)) return false;
  if (s.parentProcessName !== undefined && !sameText(s.parentProcessName, ctx.parentProcessName)) return false;
  if (s.commandLine !== undefined && (ctx.commandLine === undefined || !globMatch(compileGlob(s.commandLine), ctx.commandLine))) {
    return false;
  }
  if (s.proxyHost !== undefined && !coversEveryProxy(s.proxyHost, verdict)) return false;
  return true;
}

/** True when the verdict lists its proxies in full and `pattern` covers each one's host. */
function coversEveryProxy(pattern: string, verdict: Verdict): boolean {
  const { proxies } = verdict;
  if (proxies.length === 0 || proxies.length >= MAX_PROXIES) return false;
  return proxies.every((p) => p.host !== null && hostMatches(pattern, p.host));
}

/** True when a proxy host equals `pattern` (name or IP) or lies in the `pattern` CIDR block. */
export function hostMatches(pattern: string, host: string): boolean {
  const block = parseCidr(pattern);
  const address = parseIp(host);
  if (block !== undefined) return address !== undefined && cidrContains(block, address);
  const wanted = parseIp(pattern);
  if (wanted !== undefined && address !== undefined) return sameIp(wanted, address);
  return sameText(stripDot(pattern), stripDot(host));
}

/** "proxy.corp." and "proxy.corp" are the same DNS name. */
function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function sameText(expected: string, actual: string | undefined): boolean {
  return actual !== undefined && expected.toLowerCase() === actual.toLowerCase();
}
