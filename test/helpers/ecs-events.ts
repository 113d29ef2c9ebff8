/**
 * Process-start events shaped the way each producer writes them, for integration tests.
 * Only the fields the producers really set; each builder documents its quirks.
 */
export interface ProcessSpec {
  time: string;
  host: string;
  user: string;
  commandLine: string;
  pid: number;
  ppid: number;
  parentName?: string;
  executable?: string;
  ingested?: string | null;
}

function argvOf(commandLine: string): string[] {
  // Good enough for fixtures: no quoted spaces in the command lines used with this helper.
  return commandLine.split(' ').filter((t) => t !== '');
}

function exeOf(spec: ProcessSpec): string {
  return spec.executable ?? `/usr/bin/${argvOf(spec.commandLine)[0] ?? 'unknown'}`;
}

function ingested(spec: ProcessSpec): Record<string, string> {
  if (spec.ingested === null) return {};
  return { ingested: spec.ingested ?? new Date().toISOString() };
}

/** Elastic Defend (endpoint) Linux exec event. */
export function defendEvent(spec: ProcessSpec): Record<string, unknown> {
  const exe = exeOf(spec);
  const parent = spec.parentName ?? 'bash';
  return {
    '@timestamp': spec.time,
    agent: { type: 'endpoint' },
    data_stream: { dataset: 'endpoint.events.process', namespace: 'default', type: 'logs' },
    event: { action: 'exec', category: ['process'], type: ['start'], kind: 'event', dataset: 'endpoint.events.process', module: 'endpoint', ...ingested(spec) },
    host: { name: spec.host, hostname: spec.host, os: { type: 'linux' } },
    user: { name: spec.user, id: '1000' },
    process: {
      name: exe.split('/').pop(),
      executable: exe,
      command_line: spec.commandLine,
      args: argvOf(spec.commandLine).map((a, i) => (i === 0 ? exe : a)),
      args_count: argvOf(spec.commandLine).length,
      pid: spec.pid,
      entity_id: `ent-${spec.host}-${spec.pid}`,
      parent: { name: parent, executable: `/usr/bin/${parent}`, pid: spec.ppid, command_line: parent },
    },
  };
}

/** Auditd Manager `executed` event: argv in process.args and process.title, no command_line. */
export function auditdManagerEvent(spec: ProcessSpec): Record<string, unknown> {
  const exe = exeOf(spec);
  return {
    '@timestamp': spec.time,
    data_stream: { dataset: 'auditd_manager.auditd', namespace: 'default', type: 'logs' },
    event: { action: 'executed', category: ['process'], type: ['start'], outcome: 'success', module: 'auditd', ...ingested(spec) },
    host: { name: spec.host },
    user: { name: spec.user, id: '1000' },
    auditd: { summary: { actor: { primary: spec.user }, how: exe } },
    process: {
      name: exe.split('/').pop(),
      executable: exe,
      args: argvOf(spec.commandLine),
      title: spec.commandLine.slice(0, 128),
      pid: spec.pid,
      parent: { pid: spec.ppid },
    },
  };
}

/** Auditbeat (auditd module) `executed` event. */
export function auditbeatEvent(spec: ProcessSpec): Record<string, unknown> {
  const exe = exeOf(spec);
  return {
    '@timestamp': spec.time,
    agent: { type: 'auditbeat' },
    event: { action: 'executed', category: ['process'], type: ['start'], module: 'auditd', ...ingested(spec) },
    host: { name: spec.host },
    user: { name: spec.user },
    process: { name: exe.split('/').pop(), executable: exe, args: argvOf(spec.commandLine), pid: spec.pid, parent: { pid: spec.ppid } },
  };
}

/**
 * Sysmon for Linux Event ID 1 after the Elastic integration's pipeline: process.name is the
 * syslog app name "sysmon", user.name is absent for a plain Linux user (raw XML kept in
 * event.original), parent name absent, event.action "log".
 */
export function sysmonLinuxEvent(spec: ProcessSpec): Record<string, unknown> {
  const exe = exeOf(spec);
  const parentExe = `/usr/bin/${spec.parentName ?? 'bash'}`;
  const xml =
    `<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID>` +
    `<Computer>${spec.host}</Computer></System><EventData><Data Name="RuleName">-</Data><Data Name="UtcTime">${spec.time}</Data>` +
    `<Data Name="ProcessId">${spec.pid}</Data><Data Name="Image">${exe}</Data><Data Name="CommandLine">${spec.commandLine}</Data>` +
    `<Data Name="User">${spec.user}</Data><Data Name="ParentProcessId">${spec.ppid}</Data><Data Name="ParentImage">${parentExe}</Data></EventData></Event>`;
  return {
    '@timestamp': spec.time,
    data_stream: { dataset: 'sysmon_linux.log', namespace: 'default', type: 'logs' },
    event: { action: 'log', category: ['process'], type: ['start'], code: '1', kind: 'event', provider: 'Linux-Sysmon', dataset: 'sysmon_linux.log', original: xml, ...ingested(spec) },
    host: { hostname: spec.host },
    tags: ['preserve_original_event'],
    process: {
      name: 'sysmon',
      pid: spec.pid,
      executable: exe,
      command_line: spec.commandLine,
      args: argvOf(spec.commandLine),
      parent: { pid: spec.ppid, executable: parentExe },
    },
    winlog: { computer_name: spec.host, event_id: '1', channel: 'Linux-Sysmon/Operational' },
  };
}

/** The four producers whose shapes the builders above write. */
export const producers = ['defend', 'auditd_manager', 'auditbeat', 'sysmon_linux'] as const;
/** One producer. */
export type Producer = (typeof producers)[number];

/** The document `producer` writes for a process start. */
export function producerEvent(producer: Producer, spec: ProcessSpec): Record<string, unknown> {
  switch (producer) {
    case 'defend':
      return defendEvent(spec);
    case 'auditd_manager':
      return auditdManagerEvent(spec);
    case 'auditbeat':
      return auditbeatEvent(spec);
    case 'sysmon_linux':
      return sysmonLinuxEvent(spec);
  }
}
