import { childNamed, parseXml, XmlSyntaxError, type XmlElement } from './xml.js';

/**
 * One Sysmon for Linux record as written to syslog: `[<PRI>]<timestamp> <host> <app>[<pid>]: <Event>...</Event>`
 * (the attack_data and /var/log/syslog form), or the `<Event>` XML alone. Pure; linear.
 */
export interface SysmonRecord {
  /** The syslog header fields, when the line has one. */
  syslog: { hostname: string | undefined; appName: string; procId: number | undefined } | undefined;
  /** The `<Event>...</Event>` text as it appears in the line. */
  xml: string;
  system: SysmonSystem;
  /** `<EventData><Data Name="...">value</Data>...` in document order, entities decoded. */
  data: ReadonlyMap<string, string>;
}

/** The `<System>` block. Strings as written; absent elements are undefined. */
export interface SysmonSystem {
  providerName: string | undefined;
  providerGuid: string | undefined;
  eventId: number;
  version: string | undefined;
  level: string | undefined;
  task: string | undefined;
  opcode: string | undefined;
  keywords: string | undefined;
  timeCreated: string | undefined;
  recordId: string | undefined;
  executionProcessId: string | undefined;
  executionThreadId: string | undefined;
  channel: string | undefined;
  computer: string | undefined;
  securityUserId: string | undefined;
}

/** Why a line is not a usable record; `reason` is a short bounded category for counting. */
export class RecordError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/** Reads one line; throws RecordError with "expected ..., got ..." when it is not a Sysmon record. */
export function parseSysmonLine(line: string): SysmonRecord {
  const at = findEventStart(line);
  if (at < 0) throw new RecordError('not a Sysmon record', `expected a Sysmon <Event> XML record (optionally after a syslog header), got ${excerpt(line)}`);
  const header = line.slice(0, at);
  const syslog = header.trim() === '' ? undefined : parseSyslogHeader(header);
  const xml = line.slice(at).trimEnd();
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new RecordError('malformed XML', `expected well-formed <Event> XML: ${err.message}`);
    throw err;
  }
  if (root.name !== 'Event') throw new RecordError('not a Sysmon record', `expected the root element <Event>, got <${root.name}>`);
  const system = childNamed(root, 'System');
  if (system === undefined) throw new RecordError('no System block', 'expected a <System> element in <Event>, got none');
  return { syslog, xml, system: readSystem(system), data: readEventData(root) };
}

/** Index of `<Event>` / `<Event ` in the line, or -1. */
function findEventStart(line: string): number {
  let at = line.indexOf('<Event');
  while (at >= 0) {
    const next = line[at + 6];
    if (next === '>' || next === ' ' || next === '\t' || next === '/') return at;
    at = line.indexOf('<Event', at + 6);
  }
  return -1;
}

/**
 * `<134>Nov 28 10:00:00 host sysmon[812]: ` or `2025-12-10T22:27:58.152+09:00 host sysmon: `: the
 * tag is the last word and ends with ':', the host name the word before it. The timestamp is
 * not used (UtcTime is exact and in UTC).
 */
function parseSyslogHeader(header: string): NonNullable<SysmonRecord['syslog']> {
  let rest = header.trim();
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    const pri = close > 1 ? rest.slice(1, close) : '';
    if (pri === '' || pri.length > 3 || ![...pri].every((d) => d >= '0' && d <= '9')) {
      throw new RecordError('bad syslog header', `expected a syslog priority like <134> at the start, got ${excerpt(rest)}`);
    }
    rest = rest.slice(close + 1);
  }
  const words = rest.split(/[ \t]+/).filter((w) => w !== '');
  const tag = words[words.length - 1];
  if (tag === undefined || !tag.endsWith(':') || tag.length < 2) {
    throw new RecordError('bad syslog header', `expected a syslog header ending in "<host> <app>:" before <Event>, got ${excerpt(header.trim())}`);
  }
  let appName = tag.slice(0, -1);
  let procId: number | undefined;
  const bracket = appName.indexOf('[');
  if (bracket > 0 && appName.endsWith(']')) {
    const pid = appName.slice(bracket + 1, -1);
    if (pid !== '' && [...pid].every((d) => d >= '0' && d <= '9')) procId = Number(pid);
    appName = appName.slice(0, bracket);
  }
  return { hostname: words.length >= 2 ? words[words.length - 2] : undefined, appName, procId };
}

function readSystem(system: XmlElement): SysmonSystem {
  const text = (name: string): string | undefined => nonEmpty(childNamed(system, name)?.text);
  const attr = (name: string, attribute: string): string | undefined => nonEmpty(childNamed(system, name)?.attributes[attribute]);
  const rawId = text('EventID');
  if (rawId === undefined) throw new RecordError('no EventID', 'expected an <EventID> in <System>, got none');
  const eventId = Number(rawId);
  if (!/^\d{1,5}$/.test(rawId)) throw new RecordError('bad EventID', `expected <EventID> to be a number, got ${excerpt(rawId)}`);
  return {
    providerName: attr('Provider', 'Name'),
    providerGuid: attr('Provider', 'Guid'),
    eventId,
    version: text('Version'),
    level: text('Level'),
    task: text('Task'),
    opcode: text('Opcode'),
    keywords: text('Keywords'),
    timeCreated: attr('TimeCreated', 'SystemTime'),
    recordId: text('EventRecordID'),
    executionProcessId: attr('Execution', 'ProcessID'),
    executionThreadId: attr('Execution', 'ThreadID'),
    channel: text('Channel'),
    computer: text('Computer'),
    securityUserId: attr('Security', 'UserId') ?? attr('Security', 'UserID'),
  };
}

function readEventData(root: XmlElement): Map<string, string> {
  const data = new Map<string, string>();
  const eventData = childNamed(root, 'EventData');
  for (const item of eventData?.children ?? []) {
    const name = item.attributes.Name;
    if (item.name === 'Data' && name !== undefined && !data.has(name)) data.set(name, item.text);
  }
  return data;
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A short quoted excerpt of untrusted text for messages. */
export function excerpt(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}
