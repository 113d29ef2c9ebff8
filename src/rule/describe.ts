import { withValue } from './proxy-url.js';
import type { ProxyUse, UrlRoute, Verdict } from './types.js';

/**
 * A verdict in plain words, one line per fact, for people (`explain`). Pure: returns lines,
 * the caller prints them.
 */
export function describeVerdict(verdict: Verdict): string[] {
  const lines = [
    `verdict: ${verdict.match ? 'MATCH' : 'no match'} (${verdict.mode} mode${verdict.isCurl ? '' : ', not the curl process'})`,
    `reason:  ${verdict.reason}`,
  ];
  if (verdict.mode === 'splunk') {
    verdict.proxies.forEach((hit, i) => lines.push(`pattern ${i + 1}: "${hit.option}" matches; it points at: ${hit.url}`));
  } else {
    verdict.proxies.forEach((proxy, i) => describeProxy(lines, proxy, i));
    verdict.routes.forEach((route, i) => describeRoute(lines, route, i));
  }
  for (const miss of verdict.nearMisses) lines.push(`near-miss: ${miss.token}: ${miss.reason}`);
  for (const note of verdict.notes) lines.push(`note: ${note}`);
  return lines;
}

function describeProxy(lines: string[], proxy: ProxyUse, i: number): void {
  const where = proxy.source === 'env' ? 'environment' : proxy.source === 'argv' ? 'process.args' : 'command line';
  lines.push(`proxy ${i + 1}: ${proxy.option}${proxy.option === proxy.canonical ? '' : ` (${proxy.canonical})`} from the ${where}`);
  lines.push(`  url:    ${proxy.url}`);
  lines.push(`  scheme: ${proxy.scheme ?? (proxy.refused !== null ? 'none curl accepts' : 'unknown (set through a {{variable}})')}`);
  lines.push(`  host:   ${proxy.host ?? 'unknown'}`);
  lines.push(`  port:   ${proxy.port ?? 'unknown'}`);
  if (proxy.segment > 1) lines.push(`  transfer: ${proxy.segment} (after --next)`);
  if (proxy.evasion !== null) lines.push(`  form:   ${proxy.evasion}`);
  if (proxy.refused !== null) lines.push(`  refused by curl: ${proxy.refused} (still a match: trying to tunnel is the behaviour)`);
}

/** One URL: where it goes, through which first hop, and why. */
function describeRoute(lines: string[], route: UrlRoute, i: number): void {
  const hop = route.firstHop === null ? '' : ` via ${withValue(route.firstHop.option, `${route.firstHop.host ?? 'unknown host'}${route.firstHop.port === null ? '' : `:${route.firstHop.port}`}`)}`;
  const where = route.route === 'unknown' ? 'unknown (counted as proxied)' : route.route;
  lines.push(`url ${i + 1}: ${route.url} -> ${where}${hop}${route.segment > 1 ? ` (transfer ${route.segment})` : ''}`);
  lines.push(`  host:   ${route.host ?? 'unknown'}`);
  lines.push(`  why:    ${route.reason}`);
}
