/**
 * Compares the rule's verdict with what the real curl did (test/support/curl-oracle.ts) and
 * prints a disagreement as a reproduction the rule's engineer can run.
 */

import { sameHost, type CurlRun, type CurlTransfer } from '../support/curl-oracle.js';
import { evaluate } from '../../src/rule/curl-proxy.js';
import type { RuleInput, RuleOptions, UrlRoute, Verdict } from '../../src/rule/types.js';

/** The rule's input for what curl ran: the exact argv (oracle options included) and the environment. */
export function ruleInputOf(run: CurlRun): RuleInput {
  return {
    processName: 'curl',
    processPath: '/usr/bin/curl',
    args: run.argv,
    envVars: Object.entries(run.env).map(([name, value]) => `${name}=${value}`),
  };
}

/** The rule's verdict on what curl ran; the error when it throws (the rule must be total, so that is a disagreement too). */
export function judge(run: CurlRun, options: RuleOptions): Verdict | Error {
  try {
    return evaluate(ruleInputOf(run), options);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** True when curl sent some URL through a proxy, or tried to and refused the proxy. */
export function curlUsedProxy(run: CurlRun): boolean {
  return run.transfers.some((t) => t.route.kind === 'proxy' || t.route.kind === 'refused');
}

/** Why the verdict's `match` disagrees with curl, or null. */
export function matchDisagreement(run: CurlRun, verdict: Verdict | Error): string | null {
  if (verdict instanceof Error) return `the rule threw ${verdict.stack ?? verdict.message}`;
  const expected = curlUsedProxy(run);
  if (verdict.match === expected) return null;
  return expected ? 'curl sent a URL through a proxy; the rule says no match' : 'curl sent every URL direct; the rule says match';
}

/** Each URL whose route disagrees with curl's first hop (empty when they all agree). */
export function routeDisagreements(run: CurlRun, verdict: Verdict | Error): string[] {
  if (verdict instanceof Error) return [`the rule threw ${verdict.stack ?? verdict.message}`];
  const routes = verdict.routes;
  const problems: string[] = [];
  if (routes.length !== run.transfers.length) {
    problems.push(`curl made ${run.transfers.length} transfers; the rule lists ${routes.length} routes`);
  }
  run.transfers.forEach((transfer, i) => {
    const route = routes[i];
    const which = `URL ${i + 1} (segment ${transfer.segment}, ${transfer.url})`;
    if (route === undefined) return;
    if (route.segment !== transfer.segment) problems.push(`${which}: the rule puts it in segment ${route.segment}`);
    const problem = routeProblem(transfer, route, verdict);
    if (problem !== null) problems.push(`${which}: ${problem}`);
  });
  return problems;
}

function routeProblem(transfer: CurlTransfer, route: UrlRoute, verdict: Verdict): string | null {
  const said = describeRoute(route);
  switch (transfer.route.kind) {
    case 'proxy': {
      const host = transfer.route.host;
      const hop = route.firstHop?.host ?? null;
      if (route.route === 'proxy' && hop !== null && sameHost(hop, host)) return null;
      return `curl went to proxy ${host} first; the rule says ${said}`;
    }
    case 'direct':
      return route.route === 'direct' ? null : `curl went direct to ${transfer.route.host}; the rule says ${said}`;
    case 'refused': {
      // curl refuses the whole proxy set-up before connecting anywhere, so any refused proxy of the
      // segment will do (the first hop may be a valid pre-proxy); an environment proxy is listed
      // once, under the first segment that uses it.
      const refused = verdict.proxies.some((p) => p.refused !== null && (p.segment === transfer.segment || (p.source === 'env' && p.option === route.firstHop?.option)));
      if (route.route === 'proxy' && refused) return null;
      return `curl refused the proxy (${transfer.route.message}); the rule says ${said}${refused ? '' : ', and marks no proxy of this transfer as refused'}`;
    }
    case 'error':
      return `curl failed without choosing a route (${transfer.route.message}): the case cannot be judged`;
  }
}

function describeRoute(route: UrlRoute): string {
  const hop = route.firstHop === null ? '' : ` via ${route.firstHop.option} ${route.firstHop.host ?? '?'}${route.firstHop.port === null ? '' : `:${route.firstHop.port}`}`;
  return `${route.route}${hop} (${route.reason})`;
}

/** What curl did, one line per transfer. */
export function describeCurl(run: CurlRun): string {
  if (run.transfers.length === 0) return `no transfer: ${run.failure ?? `exit ${run.exitCode}`}`;
  return run.transfers.map((t) => `[${t.segment}] ${t.url} -> ${t.route.kind} ${'host' in t.route ? t.route.host : t.route.message}`).join('\n         ');
}

/** What the rule said, one line per route. */
export function describeVerdict(verdict: Verdict | Error): string {
  if (verdict instanceof Error) return `threw ${verdict.message}`;
  const head = `match=${verdict.match}: ${verdict.reason}`;
  return [head, ...verdict.routes.map((r) => `[${r.segment}] ${r.url} -> ${describeRoute(r)}`)].join('\n         ');
}

/** A reproduction: the command (without the oracle's own options), then both answers and why they differ. */
export function reproduction(label: string, caseArgs: readonly string[], run: CurlRun, verdict: Verdict | Error, problems: readonly string[]): string {
  const env = Object.entries(run.env).map(([n, v]) => shellWord(`${n}=${v}`));
  return [
    `${label}`,
    `  run:   env -i HOME="$(mktemp -d)" ${[...env, 'unshare', '-rn', 'curl', '-q', '-v', ...caseArgs.map(shellWord)].join(' ')}`,
    `         (the oracle also adds --no-progress-meter --connect-timeout 2 --max-time 5 -w <marker> to every segment; the rule saw that exact argv)`,
    `  curl:  ${describeCurl(run)}`,
    `  rule:  ${describeVerdict(verdict)}`,
    ...problems.map((p) => `  WHY:   ${p}`),
  ].join('\n');
}

/** A word quoted for a POSIX shell only when it needs it. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (!/[\t\n]/.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  return `$'${word.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\n/g, '\\n')}'`;
}
