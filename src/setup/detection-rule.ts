import { RULE_METADATA } from '../rule/metadata.js';
import { ALERT_SOURCE_DATASET, ALERT_SOURCE_TIME_FIELD, alertSourceIndex } from '../sink/alert-source.js';
import type { FieldTypes } from '../sink/field-types.js';
import { DEFAULT_FINDINGS_ALIAS } from './saved-objects.js';

/**
 * Our version of the rule's definition. Bump it whenever ruleBody changes: `setup` updates an
 * installed rule only when its `version` is lower (Kibana never increments `version` of a custom
 * rule by itself; an edit in the UI raises `revision`), so edits a user made to an installed
 * rule of the same version are kept.
 */
export const RULE_VERSION = 1;

/** How often the rule runs, and how far back it looks beyond that (see ruleBody). */
export const RULE_INTERVAL = '5m';
export const RULE_LOOKBACK_MS = 5 * 60_000;
const INTERVAL_MS = 5 * 60_000;

/** The most alerts one run may raise: Kibana's `xpack.alerting.rules.run.alerts.max` default (and Elastic Cloud's cap). */
export const RULE_MAX_SIGNALS = 1_000;

/** The Detection Engine API version `setup` speaks (Kibana's `elastic-api-version` header). */
export const DETECTION_API_VERSION = '2023-10-31';

/** The rule's stable `rule_id`, per findings alias: two deployments in one space get two rules. */
export function ruleId(findingsAlias: string): string {
  const base = 'curl-proxy-detector-linux-proxy-socks-curl';
  return findingsAlias === DEFAULT_FINDINGS_ALIAS ? base : `${base}-${findingsAlias}`;
}

/** A query rule as `POST /api/detection_engine/rules` takes it (Kibana's QueryRuleCreateProps). */
export type RuleBody = Record<string, unknown> & { rule_id: string; version: number };

/** The fields of an installed rule that belong to the user: `setup` carries them over on update. */
export const USER_OWNED_FIELDS = ['enabled', 'exceptions_list', 'actions', 'response_actions', 'timeline_id', 'timeline_title', 'alert_suppression'] as const;

const m = RULE_METADATA;

/**
 * The Elastic Security rule that turns each finding into exactly one alert. It reads only the
 * alert-source index, whose documents are created once per finding and never changed, on
 * `event.ingested` (set once, at creation). Every run searches [now - interval - look-back, now]:
 * consecutive runs overlap by the look-back, so a document written up to five minutes before it
 * became searchable (a slow bulk, a refresh, clock skew between the worker and Kibana) is still
 * seen, and Kibana's alert id, a hash of the document's index, id and version and the rule,
 * is the same in every run that sees it, so the overlap never raises it twice.
 */
export function ruleBody(findingsAlias: string, types: FieldTypes): RuleBody {
  const suffix = findingsAlias === DEFAULT_FINDINGS_ALIAS ? '' : ` (${findingsAlias})`;
  return {
    rule_id: ruleId(findingsAlias),
    type: 'query',
    name: `${m.name}${suffix}`,
    description:
      `${m.description} Raised by curl-proxy-detector, which reads process-start events with curl's own option grammar and counts ` +
      'them per host, user, parent process, command line and hour, as the Splunk analytic does: one alert per such finding, ' +
      'the first time it is seen.',
    severity: m.severity,
    risk_score: m.riskScore,
    index: [alertSourceIndex(findingsAlias)],
    language: 'kuery',
    query: `event.dataset: "${ALERT_SOURCE_DATASET}"`,
    timestamp_override: ALERT_SOURCE_TIME_FIELD,
    timestamp_override_fallback_disabled: true,
    interval: RULE_INTERVAL,
    from: `now-${(INTERVAL_MS + RULE_LOOKBACK_MS) / 60_000}m`,
    to: 'now',
    max_signals: RULE_MAX_SIGNALS,
    enabled: true,
    version: RULE_VERSION,
    author: [...m.author, 'curl-proxy-detector'],
    license: 'Apache-2.0',
    references: [...m.reference, m.threat.tactic.reference, ...m.threat.techniques.map((t) => t.reference)],
    tags: ['Domain: Endpoint', 'OS: Linux', 'Use Case: Threat Detection', 'Tactic: Command and Control', 'Data Source: curl-proxy-detector'],
    threat: [
      {
        framework: m.threat.framework,
        tactic: { ...m.threat.tactic },
        technique: m.threat.techniques.map((t) => ({ id: t.id, name: t.name, reference: t.reference, subtechnique: [] })),
      },
    ],
    false_positives: [
      'Administrators, package managers and CI jobs that reach the internet through a corporate HTTP proxy with curl -x or http(s)_proxy variables. Add an exception on host.name, user.name or process.parent.name, or a suppression in the worker (rule.suppressions).',
      'The Splunk analytic notes "Limited false positives in organization. Filter as needed."',
    ],
    note: investigationGuide(),
    setup: setupGuide(findingsAlias),
    required_fields: [
      { name: 'event.dataset', type: 'keyword' },
      { name: ALERT_SOURCE_TIME_FIELD, type: 'date' },
      { name: 'host.name', type: 'keyword' },
      { name: 'user.name', type: 'keyword' },
      { name: 'process.name', type: 'keyword' },
      { name: 'process.command_line', type: types.wildcard ? 'wildcard' : 'keyword' },
      { name: 'process.parent.name', type: 'keyword' },
      { name: 'related.ip', type: 'ip' },
    ],
    related_integrations: [],
    investigation_fields: {
      field_names: ['host.name', 'user.name', 'process.command_line', 'process.parent.name', 'related.ip', 'related.hosts', 'finding.proxies.url', 'finding.count', 'finding.id'],
    },
    risk_score_mapping: [],
    severity_mapping: [],
    exceptions_list: [],
    actions: [],
  };
}

/**
 * The body of the `PUT` that updates an installed rule to ours: our definition, with the
 * fields the user owns (enabled state, exceptions, actions, response actions, timeline
 * template, alert suppression) exactly as they are installed.
 */
export function ruleUpdateBody(ours: RuleBody, installed: Record<string, unknown>): RuleBody {
  const out: RuleBody = { ...ours };
  for (const field of USER_OWNED_FIELDS) if (installed[field] !== undefined) out[field] = installed[field];
  return out;
}

/** What the Alerts page shows as the investigation guide: from the analytic's how-to and known false positives. */
function investigationGuide(): string {
  return [
    '## Triage and analysis',
    '',
    '### What happened',
    '',
    'curl was started on a Linux host with a proxy: an HTTP(S) or SOCKS proxy given on its command line (`-x`/`--proxy`, `--preproxy`, `--socks4/4a/5/5-hostname`, `socks*://` URLs) or through proxy variables (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`, ...). Adversaries tunnel downloads and command-and-control traffic through proxies to hide the real destination (MITRE ATT&CK T1090 Proxy, T1095 Non-Application Layer Protocol).',
    '',
    'This alert is a finding of curl-proxy-detector: one per host, user, parent process, command line and hour (the analytic\'s `tstats ... by dest user parent_process_name process_name process process_id parent_process_id`). It is raised once, the first time the finding is written; `finding.count` in the alert is the count at that moment. The finding itself keeps counting: search the findings for `finding.id` (Discover, data view "curl-proxy-detector findings") to see the current count, the first and last time and every source event (`finding.events`).',
    '',
    '### How to investigate',
    '',
    '- Read `finding.reason` and `finding.proxies`: which option or variable set the proxy, its scheme, host and port, and whether curl would have refused it (`refused`).',
    '- Pivot on the proxy: `related.ip` holds proxy addresses, `related.hosts` proxy names. Is the proxy a known corporate proxy, or a SOCKS port on a host that should not offer one (Tor on 9050, an SSH dynamic forward on 1080)?',
    '- Check the parent process (`process.parent.name`, `process.parent.command_line`): an interactive shell, a web server, a cron job, a script in /tmp?',
    '- Open the source event (`finding.first_event.index`, `finding.first_event.id`) and look at what the same process and user did around that time, in the host\'s process and network events.',
    '- Look at the host and user risk scores (Entity Analytics): these alerts count towards them.',
    '',
    '### False positive analysis',
    '',
    'The Splunk analytic notes "Limited false positives in organization. Filter as needed." Expected uses are package managers, CI jobs and administrators that reach the internet through a corporate HTTP proxy. Exclude them with a rule exception (host.name, user.name, process.parent.name) or, before counting, with the worker\'s `rule.suppressions`, which are reported and never dropped silently.',
    '',
    '### Response and remediation',
    '',
    '- If the proxy is not sanctioned, isolate the host, find how the command was started (parent, session, scheduled task) and block the proxy address at the egress.',
    '- Review what was downloaded or sent (the URLs in `process.command_line`) and rotate credentials that appear in it (they are redacted in the alert).',
  ].join('\n');
}

/** The rule's setup guide: where its documents come from. */
function setupGuide(findingsAlias: string): string {
  return [
    '## Setup',
    '',
    `This rule reads the alert-source documents that curl-proxy-detector writes to the hidden index \`${alertSourceIndex(findingsAlias)}\` next to its findings (\`${findingsAlias}\`). It was installed by \`curl-proxy-detector setup\`; run the worker (\`curl-proxy-detector run\`) to produce findings.`,
    '',
    'The rule runs with the API key of the user who installed or last updated it: that user needs `read` and `view_index_metadata` on the alert-source index.',
    '',
    'Each document is created once per finding and never updated, and the rule selects on its `event.ingested`, set at creation: every finding raises exactly one alert, however often its count grows, a late event arrives or a backfill rewrites it. Keep the schedule (every 5 minutes, looking back 10) or a longer look-back; a shorter look-back can miss documents written while a run was starting.',
  ].join('\n');
}
