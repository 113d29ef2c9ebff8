import type { SourceKind } from './fields.js';
import { compilePath, getPath } from './values.js';

/**
 * Is this event a program being executed? Decided per producer by set membership over
 * `event.action` (a string or an array: Elastic Defend 8.16+ sends one consolidated event
 * `["fork","exec","end"]` for a short-lived process) and, for Sysmon, the event code.
 * The data below is the producer matrix of docs/producers.md; tests pin each row to a fixture
 * built from that producer's published definitions (test/fixtures/producers/).
 */

/** What marks an exec for one producer. */
export interface ExecSpec {
  /** `event.action` values that mean "a program was executed"; any one present is enough. Empty: any action. */
  readonly actions: readonly string[];
  /**
   * `event.action` values that are an exec only when `event.type` also holds `change` (the exec
   * bit of Auditbeat's quark backend: `process_ran` is fork+exit, an exec only with `change`).
   */
  readonly actionsWithChangeType?: readonly string[];
  /** Event codes (`event.code`) that are executions; when set, an event with another code is not one. */
  readonly codes?: readonly string[];
}

/** Per producer; also read by the source query so that it fetches exactly these. */
export const execSpecs: Readonly<Record<SourceKind, ExecSpec>> = {
  // fork, exec and end may come in one event (8.16+); only events that contain exec are execs,
  // so a fork-only or end-only event of the same process never counts a second time.
  elastic_defend: { actions: ['exec'] },
  auditd_manager: { actions: ['executed'] },
  // The auditd module: executed. system/process: process_started (sysinfo backend, and quark's
  // fork+exec [start, change]); with the quark backend an exec shows as `change` in event.type:
  // process_ran [start, change, end], process_changed_image [change] (exec without fork),
  // process_stopped [change, end] (exec and exit of an already reported fork).
  auditbeat: { actions: ['executed', 'process_started'], actionsWithChangeType: ['process_ran', 'process_changed_image', 'process_stopped'] },
  // The integration writes event.action "log" for every Sysmon event: the event id decides.
  sysmon_linux: { actions: [], codes: ['1'] },
  // event_simpleName; SyntheticProcessRollup2 (a process the sensor did not see start) is left
  // out, as Elastic's own rules do.
  crowdstrike_fdr: { actions: ['ProcessRollup2'] },
  // PROCESSCREATION becomes event.action ["start"].
  sentinel_one_cloud_funnel: { actions: ['start'] },
  ecs: { actions: [] },
};

/** Actions the source query must fetch although event.type is not start: an exec shown by `change` (quark). */
export const execActionsWithChangeType: readonly string[] = execSpecs.auditbeat.actionsWithChangeType ?? [];

/** Actions of documents written before ECS had event.category (Auditbeat 7.x): fetched without it. */
export const legacyExecActions: readonly string[] = execSpecs.auditbeat.actions;

const paths = { action: compilePath('event.action'), type: compilePath('event.type'), code: compilePath('event.code') };

/** Most `event.action` values looked at: Defend sends at most three; a hostile document cannot make this cost more. */
const maxActions = 16;

/**
 * True when the event is an execution for its producer. An event whose action (or code) is
 * missing is kept: the source query already asked for process starts, and a producer that
 * leaves the field out must not lose detections.
 */
export function isExecution(kind: SourceKind, source: unknown): boolean {
  const spec = execSpecs[kind];
  if (spec.codes !== undefined) {
    const code = scalarOrFirst(getPath(source, paths.code));
    if (code !== undefined && !spec.codes.includes(code)) return false;
  }
  if (spec.actions.length === 0) return true;
  const action = getPath(source, paths.action);
  if (action === undefined || action === null) return true;
  const withChange = spec.actionsWithChangeType;
  let sawString = false;
  const items: readonly unknown[] = Array.isArray(action) ? action : [action];
  for (let i = 0; i < items.length && i < maxActions; i++) {
    const a = items[i];
    if (typeof a !== 'string') continue;
    sawString = true;
    if (spec.actions.includes(a)) return true;
    if (withChange !== undefined && withChange.includes(a) && hasValue(getPath(source, paths.type), 'change')) return true;
  }
  // An object or a number is not an action we can read: keep the event.
  return !sawString;
}

/** True when a string or an array of strings holds `wanted`. */
function hasValue(value: unknown, wanted: string): boolean {
  if (typeof value === 'string') return value === wanted;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length && i < maxActions; i++) if (value[i] === wanted) return true;
  return false;
}

/** A code as text from a string, a number or a one-value array. */
function scalarOrFirst(value: unknown): string | undefined {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
