import { deepFreeze } from '../freeze.js';
/**
 * The rule's metadata as data: identity, ATT&CK mapping, risk and the finding message.
 * Upstream values (id, name, version, author, impact, confidence, message, annotations, the
 * search) are Splunk's analytic "Linux Proxy Socks Curl"; the description is ours.
 */

const IMPACT = 70;
const CONFIDENCE = 80;

/** Everything a finding says about the rule that produced it. */
export const RULE_METADATA = deepFreeze({
  id: 'bd596c22-ad1e-44fc-b242-817253ce8b08',
  name: 'Linux Proxy Socks Curl',
  /** The upstream analytic's version (splunk/security_content detections/endpoint/linux_proxy_socks_curl.yml). */
  version: 4,
  ruleset: 'curl-proxy-detector',
  author: ['Michael Haag, Splunk'],
  description:
    'curl was started with a proxy: an HTTP(S) or SOCKS proxy given on its command line ' +
    '(-x/--proxy, --preproxy, --socks4/4a/5/5-hostname, --proxy1.0, socks*:// URLs) or through ' +
    'proxy environment variables. Attackers tunnel downloads and command-and-control traffic ' +
    'through proxies to hide the real destination from network monitoring.',
  category: 'TTP',
  reference: [
    'https://research.splunk.com/endpoint/bd596c22-ad1e-44fc-b242-817253ce8b08/',
    'https://curl.se/docs/manpage.html#-x',
    'https://curl.se/docs/manpage.html#--preproxy',
    'https://curl.se/docs/manpage.html#--socks5-hostname',
  ],
  threat: {
    framework: 'MITRE ATT&CK',
    tactic: { id: 'TA0011', name: 'Command and Control', reference: 'https://attack.mitre.org/tactics/TA0011/' },
    techniques: [
      { id: 'T1090', name: 'Proxy', reference: 'https://attack.mitre.org/techniques/T1090/' },
      { id: 'T1095', name: 'Non-Application Layer Protocol', reference: 'https://attack.mitre.org/techniques/T1095/' },
    ],
  },
  impact: IMPACT,
  confidence: CONFIDENCE,
  /** Splunk's formula: impact × confidence / 100 = 56. */
  riskScore: (IMPACT * CONFIDENCE) / 100,
  /** Elastic's scale: low 21, medium 47, high 73, critical 99; a risk score of 56 is medium. */
  severity: 'medium',
  severityNumeric: 47,
  messageTemplate:
    'An instance of $process_name$ was identified on endpoint $dest$ by user $user$ utilizing a proxy. Review activity for further details.',
  annotations: {
    killChainPhases: ['Command and Control'],
    nist: ['DE.CM'],
    cis20: ['CIS 10'],
  },
  /** The upstream search, verbatim, for comparison with Splunk. */
  splunkSearch:
    '| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime ' +
    'from datamodel=Endpoint.Processes where Processes.process_name=curl Processes.process IN ' +
    '("*-x *", "*socks4a://*", "*socks5h://*", "*socks4://*","*socks5://*", "*--preproxy *", "--proxy*") ' +
    'by Processes.dest Processes.user Processes.parent_process_name Processes.process_name Processes.process ' +
    'Processes.process_id Processes.parent_process_id | `drop_dm_object_name(Processes)` ' +
    '| `security_content_ctime(firstTime)` | `security_content_ctime(lastTime)` | `linux_proxy_socks_curl_filter`',
} as const);

/** The metadata's type. */
export type RuleMetadata = typeof RULE_METADATA;

/** Fields the message template refers to; a missing one is shown as "unknown". */
export interface MessageFields {
  process_name?: string | undefined;
  dest?: string | undefined;
  user?: string | undefined;
}

/** Renders the finding message: `$field$` placeholders replaced, unknown placeholders left as written. */
export function renderMessage(fields: MessageFields, template: string = RULE_METADATA.messageTemplate): string {
  return template.replace(/\$([a-z_]+)\$/g, (whole, name: string) => {
    if (name !== 'process_name' && name !== 'dest' && name !== 'user') return whole;
    const value = fields[name];
    return value === undefined || value === '' ? 'unknown' : value;
  });
}
