import { producerEvent, producers, type Producer, type ProcessSpec } from '../../test/helpers/ecs-events.js';
import { assertPlainArgv, type Argv } from './catalogue.js';
import { shownCommandLine } from '../../test/support/shown-command-line.js';

// The producers whose documents the generator writes (shapes shared with the integration tests).
export { producers, type Producer };

/** One process start as the generator decided it, before any producer renders it. */
export interface ProcessStart {
  producer: Producer;
  host: string;
  user: string;
  /** Parent process name (only Elastic Defend and Sysmon record it). */
  parent: string;
  argv: Argv;
  /** Path of the program; its basename is the process name. */
  executable: string;
  pid: number;
  ppid: number;
  timeMs: number;
}

/**
 * The analytic's `by` fields of a finding (CIM names), as text, plus the bucket. This is
 * what the comparison keys on.
 */
/**
 * A by-value the source did not have: findings leave it out (no fake "unknown" entity in
 * Elastic Security, docs/setup.md), and chaos/lib/findings.ts reads its absence as this.
 */
export const MISSING = '<missing>';

export interface GroupValues {
  dest: string;
  user: string;
  parent_process_name: string;
  process_name: string;
  process: string;
  process_id: string;
  parent_process_id: string;
}

/** What a correct implementation of the analytic makes of one stored event. */
export type Expectation =
  | { counted: true; group: GroupValues; timeMs: number }
  | { counted: false; why: string };

/** The document a producer writes for a process start (test/helpers/ecs-events.ts builders). */
export function renderDoc(p: ProcessStart): Record<string, unknown> {
  assertPlainArgv(p.argv);
  const spec: ProcessSpec = {
    time: new Date(p.timeMs).toISOString(),
    host: p.host,
    user: p.user,
    commandLine: p.argv.join(' '),
    pid: p.pid,
    ppid: p.ppid,
    parentName: p.parent,
    executable: p.executable,
    // The indexer stamps event.ingested when it sends the document.
    ingested: null,
  };
  return producerEvent(p.producer, spec);
}

/**
 * The CIM group of a well-formed proxied curl start, from what each producer records:
 * host name (Sysmon: host.hostname), user (Sysmon: the raw event's User), the parent's name
 * (Defend: process.parent.name; Sysmon: the parent executable's basename; Auditd Manager and
 * Auditbeat record none: left out), the program's name, the command line (producers
 * without one record argv, which joins back to it, see catalogue.ts) with its credentials
 * hidden as findings show it, pid and parent pid.
 */
export function expectedGroup(p: ProcessStart): GroupValues {
  const knowsParent = p.producer === 'defend' || p.producer === 'sysmon_linux';
  return {
    dest: p.host,
    user: p.user,
    parent_process_name: knowsParent ? p.parent : MISSING,
    process_name: basename(p.executable),
    process: shownCommandLine(p.argv),
    process_id: String(p.pid),
    parent_process_id: String(p.ppid),
  };
}

/** Last segment of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
