import { RecordError, excerpt, type SysmonRecord } from './sysmon-record.js';
import { parseDate, parseSysmonUtcTime } from './timestamps.js';
import { commandLineToArgv } from './windows-argv.js';

/**
 * Sysmon for Linux Event ID 1 -> the ECS document the Elastic "Sysmon for Linux" integration
 * writes (Agent's syslog + decode_xml_wineventlog processors, then the package's ingest
 * pipeline, sysmon_linux 1.8.x), quirks included:
 * - process.name is the syslog app name ("sysmon"), never the program: the pipeline's
 *   name-from-path step only splits on `\`;
 * - user.name is set only when User is `DOMAIN\user`; a Linux "root" survives only in
 *   event.original (kept: tags ["preserve_original_event"]);
 * - process.args are split with Windows CommandLineToArgv rules (single quotes are not quotes);
 * - event.action is "log" for every event.
 * `@timestamp` is UtcTime (exact, UTC) rather than the second-precision local syslog stamp.
 * Pure: `event.ingested` is set by the loader.
 */
export function sysmonToEcs(record: SysmonRecord, originalLine: string, namespace: string): Record<string, unknown> {
  const { system, data } = record;
  if (system.eventId !== 1) throw new RecordError(`event id ${system.eventId} is not a process start`, `event id ${system.eventId} is not a process start`);
  const utc = data.get('UtcTime');
  const time = utc === undefined ? undefined : parseSysmonUtcTime(utc.trim());
  if (time === undefined) {
    throw new RecordError(
      utc === undefined ? 'missing UtcTime' : 'bad UtcTime',
      `expected a UtcTime like "2022-07-29 17:30:12.345" in the event data, got ${utc === undefined ? 'none' : excerpt(utc)}`,
    );
  }

  // The pipeline's first step: event_data entries that are empty, "-" or the zero GUID are dropped.
  const ed = new Map([...data].filter(([, v]) => !emptyValues.has(v)));
  const take = (name: string): string | undefined => {
    const v = ed.get(name);
    ed.delete(name);
    return v;
  };

  const process: Record<string, unknown> = {};
  const parent: Record<string, unknown> = {};
  if (record.syslog?.appName !== undefined && record.syslog.appName !== '') process.name = record.syslog.appName;
  if (record.syslog?.procId !== undefined) process.pid = record.syslog.procId;
  take('UtcTime');
  const ruleName = take('RuleName');
  assign(process, 'entity_id', take('ProcessGuid'));
  assign(process, 'pid', toLong(take('ProcessId')));
  assign(process, 'executable', take('Image'));
  assign(process, 'command_line', take('CommandLine'));
  assign(process, 'working_directory', take('CurrentDirectory'));
  assign(parent, 'entity_id', take('ParentProcessGuid'));
  assign(parent, 'pid', toLong(take('ParentProcessId')));
  assign(parent, 'executable', take('ParentImage'));
  assign(parent, 'command_line', take('ParentCommandLine'));
  const pe: Record<string, unknown> = {};
  assign(pe, 'original_file_name', take('OriginalFileName'));
  // copy_from, not rename: these stay in winlog.event_data as well.
  assign(pe, 'company', ed.get('Company'));
  assign(pe, 'description', ed.get('Description'));
  assign(pe, 'file_version', ed.get('FileVersion'));
  assign(pe, 'product', ed.get('Product'));
  if (Object.keys(pe).length > 0) process.pe = pe;
  const hashes = parseHashes(take('Hashes') ?? take('Hash'));
  if (hashes !== undefined) process.hash = hashes;

  if (typeof process.command_line === 'string') {
    process.args = commandLineToArgv(process.command_line);
    process.args_count = (process.args as string[]).length;
  }
  if (typeof parent.command_line === 'string') {
    parent.args = commandLineToArgv(parent.command_line);
    parent.args_count = (parent.args as string[]).length;
  }
  // The pipeline's name-from-path step, which only knows Windows paths.
  if (process.name === undefined) assign(process, 'name', windowsBasename(process.executable));
  assign(parent, 'name', windowsBasename(parent.executable));
  if (Object.keys(parent).length > 0) process.parent = parent;

  const user: Record<string, unknown> = {};
  const userParts = take('User')?.split('\\');
  if (userParts?.length === 2) {
    assign(user, 'domain', nonEmpty(userParts[0]));
    assign(user, 'name', nonEmpty(userParts[1]));
  }

  const event: Record<string, unknown> = {
    action: 'log',
    category: ['process'],
    code: String(system.eventId),
    dataset: 'sysmon_linux.log',
    kind: 'event',
    module: 'sysmon_linux',
    original: originalLine,
    type: ['start'],
  };
  assign(event, 'provider', system.providerName);
  const created = system.timeCreated === undefined ? undefined : parseDate(system.timeCreated);
  if (created !== undefined) event.created = new Date(created).toISOString();

  const host: Record<string, unknown> = {};
  assign(host, 'hostname', record.syslog?.hostname);
  assign(host, 'name', system.computer);

  const doc: Record<string, unknown> = {
    '@timestamp': new Date(time).toISOString(),
    data_stream: { type: 'logs', dataset: 'sysmon_linux.log', namespace },
    ecs: { version: '8.17.0' },
    event,
    message: record.xml,
    tags: ['preserve_original_event'],
  };
  if (Object.keys(host).length > 0) doc.host = host;
  const level = levelNames[system.level ?? ''];
  if (level !== undefined) doc.log = { level };
  doc.process = process;
  if (ruleName !== undefined) doc.rule = { name: ruleName };
  if (Object.keys(user).length > 0) doc.user = user;
  const related: Record<string, unknown> = {};
  if (typeof user.name === 'string') related.user = [user.name];
  if (hashes !== undefined) related.hash = Object.values(hashes);
  if (Object.keys(related).length > 0) doc.related = related;
  doc.winlog = winlogFields(record, ed);
  return doc;
}

const emptyValues = new Set(['', '-', '{00000000-0000-0000-0000-000000000000}']);

/** Rendered names the Beats Windows event decoder gives levels and opcodes. */
const levelNames: Readonly<Record<string, string>> = { '0': 'information', '1': 'critical', '2': 'error', '3': 'warning', '4': 'information', '5': 'verbose' };
const opcodeNames: Readonly<Record<string, string>> = { '0': 'Info', '1': 'Start', '2': 'Stop' };

function winlogFields(record: SysmonRecord, eventData: ReadonlyMap<string, string>): Record<string, unknown> {
  const { system } = record;
  const winlog: Record<string, unknown> = {};
  assign(winlog, 'channel', system.channel);
  assign(winlog, 'computer_name', system.computer);
  winlog.event_id = String(system.eventId);
  assign(winlog, 'opcode', opcodeNames[system.opcode ?? '']);
  const pid = toLong(system.executionProcessId);
  const tid = toLong(system.executionThreadId);
  if (pid !== undefined || tid !== undefined) {
    const proc: Record<string, unknown> = {};
    assign(proc, 'pid', pid);
    if (tid !== undefined) proc.thread = { id: tid };
    winlog.process = proc;
  }
  assign(winlog, 'provider_guid', system.providerGuid);
  assign(winlog, 'provider_name', system.providerName);
  assign(winlog, 'record_id', system.recordId);
  assign(winlog, 'version', toLong(system.version));
  if (eventData.size > 0) winlog.event_data = Object.fromEntries(eventData);
  return winlog;
}

/** `SHA256=AB..,MD5=..` -> `{sha256: 'ab..'}`; all-zero hashes dropped, like the pipeline. */
function parseHashes(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const hash = pair.slice(eq + 1).trim().toLowerCase();
    if (hash === '' || [...hash].every((c) => c === '0')) continue;
    out[pair.slice(0, eq).trim().toLowerCase()] = hash;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function windowsBasename(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length <= 1) return undefined;
  const cut = path.lastIndexOf('\\');
  return cut > -1 ? nonEmpty(path.slice(cut + 1)) : undefined;
}

function toLong(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,18}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}
