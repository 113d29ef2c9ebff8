import { cimFields, execActions, type CimField, type SourceKind } from './fields.js';
import { detectSourceKind } from './source-kind.js';
import { asEpochMs, asString, asStringArray, basename, fitString, getPath, type ValueNote } from './values.js';

/** One search hit as the source stage hands it over. */
export interface SourceHit {
  index: string;
  id: string;
  source: unknown;
}

/** A process start in the analytic's CIM terms, plus what the argv rule needs. */
export interface ProcessEvent {
  /** Where the event lives; `index` + `id` identify it for idempotent counting. */
  ref: { index: string; id: string };
  /** CIM `_time` (ECS `@timestamp`), epoch ms. */
  time: number;
  /** ECS `event.ingested`, epoch ms, when present. */
  ingested: number | undefined;
  sourceKind: SourceKind;
  cim: Partial<Record<CimField, string>>;
  /** ECS `process.args` (exact argv) when the producer recorded it. */
  args: string[] | undefined;
  /** ECS `process.env_vars` when the producer captured them. */
  envVars: string[] | undefined;
  /** What was repaired on the way (truncated, flattened arrays...). */
  notes: ValueNote[];
}

/** Why an event was not evaluated; a bounded set, used as a metric label. */
export type SkipReason = 'no_timestamp' | 'not_exec_action' | 'no_process_fields';

/** The outcome of normalizing one hit. */
export type Normalized = { ok: true; event: ProcessEvent } | { ok: false; reason: SkipReason };

/** Options of the mapping; `fieldMap` comes from config (defaults in fields.ts). */
export interface NormalizeOptions {
  fieldMap: Readonly<Record<CimField, readonly string[]>>;
  maxCommandLineBytes: number;
}

const maxFieldLength = 4_096;
const maxArgs = 10_000;
const maxEnvVars = 2_000;

/**
 * Maps one ECS process-start event to CIM fields, with the per-producer fixes (Sysmon for
 * Linux names every process `sysmon` and drops plain Linux user names). Pure and total:
 * odd input is repaired or skipped with a reason, never thrown.
 */
export function ecsToCim(hit: SourceHit, options: NormalizeOptions): Normalized {
  const src = hit.source;
  const time = asEpochMs(getPath(src, '@timestamp'));
  if (time === undefined) return { ok: false, reason: 'no_timestamp' };

  const kind = detectSourceKind(src, hit.index);
  const allowed = execActions[kind];
  if (allowed.length > 0) {
    const action = asString(getPath(src, 'event.action'), 200);
    if (action !== undefined && !allowed.includes(action)) return { ok: false, reason: 'not_exec_action' };
  }

  const notes = new Set<ValueNote>();
  const cim: Partial<Record<CimField, string>> = {};
  for (const field of cimFields) {
    const max = field === 'process' || field === 'parent_process' ? options.maxCommandLineBytes : maxFieldLength;
    for (const path of options.fieldMap[field]) {
      const value = asString(getPath(src, path), max, notes);
      if (value !== undefined) {
        cim[field] = value;
        break;
      }
    }
  }
  // Sysmon for Linux's integration splits the command line with Windows rules: not the real
  // argv, so the rule splits the command line itself (POSIX rules) instead.
  const args = kind === 'sysmon_linux' ? undefined : asStringArray(getPath(src, 'process.args'), maxArgs, options.maxCommandLineBytes, notes);
  const envVars = asStringArray(getPath(src, 'process.env_vars'), maxEnvVars, maxFieldLength, notes);

  applySourceFixes(kind, src, cim, args);
  if (cim.process === undefined && args !== undefined) cim.process = joinArgs(args, options.maxCommandLineBytes, notes);
  if (cim.process_name === undefined && cim.process === undefined && cim.process_path === undefined) {
    return { ok: false, reason: 'no_process_fields' };
  }

  return {
    ok: true,
    event: {
      ref: { index: hit.index, id: hit.id },
      time,
      ingested: asEpochMs(getPath(src, 'event.ingested')),
      sourceKind: kind,
      cim,
      args,
      envVars,
      notes: [...notes],
    },
  };
}

function applySourceFixes(kind: SourceKind, src: unknown, cim: Partial<Record<CimField, string>>, args: string[] | undefined): void {
  if (kind === 'sysmon_linux') {
    // The integration renames the syslog app name ("sysmon") into process.name and derives
    // names only from Windows paths: the executable is the truth.
    if (cim.process_path !== undefined) cim.process_name = basename(cim.process_path);
    if (cim.parent_process_path !== undefined && cim.parent_process_name === undefined) {
      cim.parent_process_name = basename(cim.parent_process_path);
    }
    // user.name is only set for DOMAIN\user values; plain Linux users survive in the raw data.
    if (cim.user === undefined) {
      const user = sysmonRawUser(src);
      if (user !== undefined) cim.user = user;
    }
  }
  // Every producer: fall back to the executable's basename, then argv[0]'s.
  if (cim.process_name === undefined && cim.process_path !== undefined) cim.process_name = basename(cim.process_path);
  if (cim.process_name === undefined && args?.[0] !== undefined) cim.process_name = basename(args[0]);
  if (cim.parent_process_name === undefined && cim.parent_process_path !== undefined) {
    cim.parent_process_name = basename(cim.parent_process_path);
  }
}

/** `User` from Sysmon's event data, or from the preserved original XML record. */
function sysmonRawUser(src: unknown): string | undefined {
  const direct = asString(getPath(src, 'winlog.event_data.User'), maxFieldLength);
  if (direct !== undefined) return stripDomain(direct);
  const original = asString(getPath(src, 'event.original'), 1_048_576);
  if (original === undefined) return undefined;
  for (const marker of ['Name="User">', "Name='User'>"]) {
    const at = original.indexOf(marker);
    if (at < 0) continue;
    const start = at + marker.length;
    const end = original.indexOf('<', start);
    const value = (end < 0 ? original.slice(start) : original.slice(start, end)).trim();
    if (value !== '' && value !== '-') return stripDomain(decodeXmlEntities(value));
  }
  return undefined;
}

function stripDomain(user: string): string {
  const cut = user.lastIndexOf('\\');
  return cut >= 0 ? user.slice(cut + 1) : user;
}

function decodeXmlEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? _m);
}

/** A command line rebuilt from argv when the producer sent args only (quoted where needed). */
function joinArgs(args: readonly string[], max: number, notes: Set<ValueNote>): string {
  const joined = args.map((a) => (a === '' || /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
  return fitString(joined, max, notes);
}
