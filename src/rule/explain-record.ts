import { isAssignment } from './env-proxy.js';
import { basename } from './process-identity.js';
import { shellSplit } from './shell-split.js';
import type { RuleInput } from './types.js';

/**
 * Turns one `explain --jsonl` record into a RuleInput, or says exactly what is wrong with it:
 * `{"process_name", "process_path", "command_line", "args", "env_vars"}`, all optional but
 * command_line or args. Unknown keys are ignored.
 */

/** A record read, or the reason it cannot be. */
export type RecordResult = { ok: true; input: RuleInput } | { ok: false; error: string };

/** Validates a parsed JSON value as an explain record. */
export function recordToInput(value: unknown): RecordResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `expected a JSON object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const v = record[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    problems.push(`expected "${key}" to be a string, got ${describe(v)}`);
    return undefined;
  };
  const list = (key: string): string[] | undefined => {
    const v = record[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return v as string[];
    problems.push(`expected "${key}" to be an array of strings, got ${describe(v)}`);
    return undefined;
  };
  const processName = text('process_name');
  const processPath = text('process_path');
  const commandLine = text('command_line');
  const args = list('args');
  const envVars = list('env_vars');
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  if (commandLine === undefined && (args === undefined || args.length === 0)) {
    return { ok: false, error: 'expected "command_line" or a non-empty "args"' };
  }
  const input: RuleInput = {
    processName: processName ?? defaultProcessName(args, commandLine),
    processPath,
    commandLine,
    args,
    envVars,
  };
  return { ok: true, input };
}

/**
 * The process name to assume when none is given: the basename of args[0], else of the first
 * word of the command line that is not a NAME=value assignment (`ALL_PROXY=... curl` is curl).
 */
export function defaultProcessName(args: readonly string[] | undefined, commandLine: string | undefined): string | undefined {
  const first = args?.[0] ?? shellSplit(commandLine ?? '').tokens.find((word) => !isAssignment(word));
  return first === undefined ? undefined : basename(first);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value;
}
