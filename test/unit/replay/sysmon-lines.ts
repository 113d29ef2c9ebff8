/**
 * Sysmon for Linux records for the replay tests, in the XML-in-syslog form of Splunk's
 * attack_data datasets. `data` replaces or removes (undefined) EventData fields.
 */
export interface LineSpec {
  eventId?: string;
  header?: string;
  data?: Record<string, string | undefined>;
  system?: string;
}

const defaults: [string, string][] = [
  ['RuleName', '-'],
  ['UtcTime', '2022-07-29 17:30:12.345'],
  ['ProcessGuid', '{8ef76b8e-4906-6371-35c5-783f95550000}'],
  ['ProcessId', '1234'],
  ['Image', '/usr/bin/curl'],
  ['FileVersion', '-'],
  ['Description', '-'],
  ['Product', '-'],
  ['Company', '-'],
  ['OriginalFileName', '-'],
  ['CommandLine', 'curl -x socks5h://203.0.113.5:1080 https://example.com/'],
  ['CurrentDirectory', '/root'],
  ['User', 'root'],
  ['LogonGuid', '{8ef76b8e-0000-0000-0000-000001000000}'],
  ['LogonId', '0'],
  ['TerminalSessionId', '3'],
  ['IntegrityLevel', 'no level'],
  ['Hashes', '-'],
  ['ParentProcessGuid', '{8ef76b8e-3dbe-6371-d586-209f9c550000}'],
  ['ParentProcessId', '999'],
  ['ParentImage', '/usr/bin/bash'],
  ['ParentCommandLine', 'bash'],
  ['ParentUser', 'root'],
];

export const defaultHeader = 'Jul 29 17:30:12 web-07 sysmon: ';

export const defaultSystem = (eventId: string) =>
  `<Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>${eventId}</EventID><Version>5</Version><Level>4</Level>` +
  `<Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2022-07-29T17:30:12.348954000Z"/>` +
  `<EventRecordID>421210</EventRecordID><Correlation/><Execution ProcessID="812" ThreadID="813"/><Channel>Linux-Sysmon/Operational</Channel>` +
  `<Computer>web-07.example.com</Computer><Security UserId="0"/>`;

/** A whole line; values in `data` are written as given (escape them yourself). */
export function sysmonLine(spec: LineSpec = {}): string {
  const eventId = spec.eventId ?? '1';
  const fields = new Map(defaults);
  for (const [k, v] of Object.entries(spec.data ?? {})) {
    if (v === undefined) fields.delete(k);
    else fields.set(k, v);
  }
  const data = [...fields].map(([k, v]) => `<Data Name="${k}">${v}</Data>`).join('');
  return `${spec.header ?? defaultHeader}<Event><System>${spec.system ?? defaultSystem(eventId)}</System><EventData>${data}</EventData></Event>`;
}
