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
  /** Event codes (`event.code`) that are executions; when set, an event with another code is not one. */
  readonly codes?: readonly string[];
}

/** Per producer; also read by the source query so that it fetches exactly these. */
export const execSpecs: Readonly<Record<SourceKind, ExecSpec>> = {
  // fork, exec and end may come in one event (8.16+); only events that contain exec are execs,
  // so a fork-only or end-only event of the same process never counts a second time.
  elastic_defend: { actions: ['exec'] },
  auditd_manager: { actions: ['executed'] },
  // The auditd module: executed. system/process: process_started; with the kernel_tracing
  // (quark) backend also process_ran (short-lived: start+exec+end) and process_changed_image
  // (an exec without a fork, event.type [change]).
  auditbeat: { actions: ['executed', 'process_started', 'process_ran', 'process_changed_image'] },
  // The integration writes event.action "log" for every Sysmon event: the event id decides.
  sysmon_linux: { actions: [], codes: ['1'] },
  crowdstrike_fdr: { actions: [] },
  sentinel_one_cloud_funnel: { actions: [] },
  ecs: { actions: [] },
};

/** `event.action` values of an exec that the source query must fetch although their event.type is not start. */
export const execActionsWithoutStartType = ['process_changed_image'] as const;

const paths = { action: compilePath('event.action'), code: compilePath('event.code') };

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
  if (typeof action === 'string') return spec.actions.includes(action);
  if (!Array.isArray(action)) return true; // an object or a number: not an action we can read; keep it
  let sawString = false;
  for (let i = 0; i < action.length && i < maxActions; i++) {
    const a: unknown = action[i];
    if (typeof a !== 'string') continue;
    sawString = true;
    if (spec.actions.includes(a)) return true;
  }
  return !sawString;
}

/** A code as text from a string, a number or a one-value array. */
function scalarOrFirst(value: unknown): string | undefined {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
