import { isExecution } from './exec-test.js';
import { arrayRules, cimFields, type CimField, type SourceKind } from './fields.js';
import { detectSourceKind } from './source-kind.js';
import { ARRAY_JOINER, asEpochMs, asString, asStringArray, basename, compilePath, distinctValues, fitString, getPath, type FieldPath, type ValueNote } from './values.js';

/** One search hit as the source stage hands it over. */
export interface SourceHit {
  index: string;
  id: string;
  source: unknown;
  /** The document was too large to read whole: `source` holds only its small fields. */
  partial?: true;
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

/**
 * Why an event was not evaluated; a bounded set, used as a metric label. `classify_error` is
 * the classifier's: evaluating the event threw (a bug), and the window went on without it.
 */
export type SkipReason = 'no_timestamp' | 'not_exec_action' | 'no_process_fields' | 'classify_error';

/** The outcome of normalizing one hit. */
export type Normalized = { ok: true; event: ProcessEvent } | { ok: false; reason: Exclude<SkipReason, 'classify_error'> };

/** Options of the mapping; `fieldMap` comes from config (defaults in fields.ts). */
export interface NormalizeOptions {
  fieldMap: Readonly<Record<CimField, readonly string[]>>;
  maxCommandLineBytes: number;
}

const maxFieldLength = 4_096;
const maxArgs = 10_000;
const maxEnvVars = 2_000;

/** The CIM fields the rule reads; everything else is only needed once an event matched. */
const ruleFields = ['process_name', 'process', 'process_path'] as const satisfies readonly CimField[];
const paths = {
  timestamp: compilePath('@timestamp'),
  ingested: compilePath('event.ingested'),
  processName: compilePath('process.name'),
  args: compilePath('process.args'),
  envVars: compilePath('process.env_vars'),
  sysmonUser: compilePath('winlog.event_data.User'),
  original: compilePath('event.original'),
  message: compilePath('message'),
};

/**
 * The first half of {@link ecsToCim}: what decides whether the event is skipped, and the
 * fields the rule reads (process name, command line, executable, args, environment).
 * Pass it to {@link completeProcessEvent} for the other CIM fields; most events never need them.
 */
export interface RuleView {
  readonly hit: SourceHit;
  readonly time: number;
  readonly sourceKind: SourceKind;
  readonly processName: string | undefined;
  readonly processPath: string | undefined;
  readonly commandLine: string | undefined;
  readonly args: string[] | undefined;
  readonly envVars: string[] | undefined;
  /** Repairs so far; completing the event adds to a copy. */
  readonly notes: ReadonlySet<ValueNote>;
}

/** A normalizer whose field paths are compiled once, for the per-hit hot path. */
export interface Normalizer {
  /** The rule's inputs, or why the event is skipped. */
  ruleView(hit: SourceHit): { ok: true; view: RuleView } | { ok: false; reason: Exclude<SkipReason, 'classify_error'> };
  /** The whole event in CIM terms, from a rule view of it. */
  complete(view: RuleView): ProcessEvent;
}

/** Builds a normalizer for these options; `ecsToCim(hit)` equals `complete(ruleView(hit).view)`. */
export function createNormalizer(options: NormalizeOptions): Normalizer {
  const fieldPaths = {} as Record<CimField, readonly FieldPath[]>;
  for (const field of cimFields) fieldPaths[field] = options.fieldMap[field].map(compilePath);
  const maxBytes = (field: CimField): number => (field === 'process' || field === 'parent_process' ? options.maxCommandLineBytes : maxFieldLength);
  const read = (src: unknown, field: CimField, notes: Set<ValueNote>): string | undefined => {
    const max = maxBytes(field);
    for (const path of fieldPaths[field]) {
      const value = asString(getPath(src, path), max, notes, arrayRules[field]);
      if (value !== undefined && !isPlaceholder(value)) return value;
    }
    return undefined;
  };
  // process.name as an array: the value that agrees with the executable, when one does.
  const defaultNamePath = options.fieldMap.process_name.length === 1 && options.fieldMap.process_name[0] === 'process.name';

  return {
    ruleView(hit) {
      const src = hit.source;
      const time = asEpochMs(getPath(src, paths.timestamp));
      if (time === undefined) return { ok: false, reason: 'no_timestamp' };

      const kind = detectSourceKind(src, hit.index);
      if (!isExecution(kind, src)) return { ok: false, reason: 'not_exec_action' };

      const notes = new Set<ValueNote>();
      const cim: Partial<Record<CimField, string>> = {};
      for (const field of ruleFields) {
        const value = read(src, field, notes);
        if (value !== undefined) cim[field] = value;
      }
      // Sysmon for Linux's integration splits the command line with Windows rules: not the real
      // argv, so the rule splits the command line itself (POSIX rules) instead.
      const args = kind === 'sysmon_linux' ? undefined : asStringArray(getPath(src, paths.args), maxArgs, options.maxCommandLineBytes, notes);
      const envVars = asStringArray(getPath(src, paths.envVars), maxEnvVars, maxFieldLength, notes);

      // The integration renames the syslog app name ("sysmon") into process.name and derives
      // names only from Windows paths: the executable is the truth.
      // When the image is "(null)", the command line's first word names the program.
      if (kind === 'sysmon_linux') {
        const name = sysmonProcessName(cim.process_path, cim.process);
        if (name === undefined) delete cim.process_name;
        else cim.process_name = name;
      } else if (defaultNamePath && cim.process_name?.includes(ARRAY_JOINER) === true && cim.process_path !== undefined) {
        const exe = basename(cim.process_path);
        if (distinctValues(getPath(src, paths.processName), maxFieldLength).includes(exe)) cim.process_name = exe;
      }
      // Every producer: fall back to the executable's basename, then argv[0]'s.
      if (cim.process_name === undefined && cim.process_path !== undefined) cim.process_name = basename(cim.process_path);
      if (cim.process_name === undefined && args?.[0] !== undefined) cim.process_name = basename(args[0]);
      if (cim.process === undefined && args !== undefined) cim.process = joinArgs(args, options.maxCommandLineBytes, notes);
      if (cim.process_name === undefined && cim.process === undefined && cim.process_path === undefined) {
        return { ok: false, reason: 'no_process_fields' };
      }
      return {
        ok: true,
        view: { hit, time, sourceKind: kind, processName: cim.process_name, processPath: cim.process_path, commandLine: cim.process, args, envVars, notes },
      };
    },

    complete(view) {
      const src = view.hit.source;
      const notes = new Set(view.notes);
      const cim: Partial<Record<CimField, string>> = {};
      // Field order as in cimFields, whichever half of the work read the value.
      for (const field of cimFields) {
        const value =
          field === 'process_name' ? view.processName : field === 'process' ? view.commandLine : field === 'process_path' ? view.processPath : read(src, field, notes);
        if (value !== undefined) cim[field] = value;
      }
      applySourceFixes(view.sourceKind, src, cim);
      return {
        ref: { index: view.hit.index, id: view.hit.id },
        time: view.time,
        ingested: asEpochMs(getPath(src, paths.ingested)),
        sourceKind: view.sourceKind,
        cim,
        args: view.args,
        envVars: view.envVars,
        notes: [...notes],
      };
    },
  };
}

/**
 * Maps one ECS process-start event to CIM fields, with the per-producer fixes (Sysmon for
 * Linux names every process `sysmon` and drops plain Linux user names). Pure and total:
 * odd input is repaired or skipped with a reason, never thrown. For many events, build a
 * {@link createNormalizer} once instead.
 */
export function ecsToCim(hit: SourceHit, options: NormalizeOptions): Normalized {
  const normalizer = createNormalizer(options);
  const first = normalizer.ruleView(hit);
  return first.ok ? { ok: true, event: normalizer.complete(first.view) } : first;
}

/** Fixes of the fields the rule does not read (the rule's own were fixed in `ruleView`). */
function applySourceFixes(kind: SourceKind, src: unknown, cim: Partial<Record<CimField, string>>): void {
  if (kind === 'sysmon_linux') {
    // user.name is only set for DOMAIN\user values; plain Linux users survive in the raw data.
    if (cim.user === undefined) {
      const user = sysmonRawUser(src);
      if (user !== undefined) cim.user = user;
    }
  }
  if (cim.parent_process_name === undefined && cim.parent_process_path !== undefined) {
    cim.parent_process_name = basename(cim.parent_process_path);
  }
}

/** `User` from Sysmon's event data, or from the preserved original XML record. */
function sysmonRawUser(src: unknown): string | undefined {
  const direct = asString(getPath(src, paths.sysmonUser), maxFieldLength);
  if (direct !== undefined) return stripDomain(direct);
  // The pipeline removes User after failing to split it on a backslash; the record's XML
  // survives in event.original (preserve_original_event) and in message.
  for (const path of [paths.original, paths.message]) {
    const xml = asString(getPath(src, path), 1_048_576);
    const user = xml === undefined ? undefined : xmlUser(xml);
    if (user !== undefined) return user;
  }
  return undefined;
}

/** `<Data Name="User">` of a Sysmon XML record. */
function xmlUser(xml: string): string | undefined {
  for (const marker of ['Name="User">', "Name='User'>"]) {
    const at = xml.indexOf(marker);
    if (at < 0) continue;
    const start = at + marker.length;
    const end = xml.indexOf('<', start);
    const value = (end < 0 ? xml.slice(start) : xml.slice(start, end)).trim();
    if (value !== '' && value !== '-') return stripDomain(decodeXmlEntities(value));
  }
  return undefined;
}

/** Values producers write for "no value" in a field that has none: never a real path, name or user. */
function isPlaceholder(value: string): boolean {
  // Sysmon for Linux: "(null)" and "<unknown process>" images, "-" for any empty field;
  // CrowdStrike FDR: "/" as ImageFileName.
  return value === '(null)' || value === '-' || value === '<unknown process>' || value === '/';
}

/** Sysmon for Linux's process name: the executable's basename, else the command line's first word's; never the integration's "sysmon". */
function sysmonProcessName(path: string | undefined, commandLine: string | undefined): string | undefined {
  if (path !== undefined) return basename(path);
  const first = commandLine === undefined ? undefined : firstWord(commandLine);
  return first === undefined ? undefined : basename(first);
}

/** The first word of a command line (up to the first blank; quotes removed when the word is quoted). */
function firstWord(line: string): string | undefined {
  const trimmed = line.trimStart();
  const quote = trimmed[0];
  if (quote === '"' || quote === "'") {
    const end = trimmed.indexOf(quote, 1);
    return end > 1 ? trimmed.slice(1, end) : undefined;
  }
  const m = /^\S+/.exec(trimmed);
  return m === null ? undefined : m[0];
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
