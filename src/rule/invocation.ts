import { envMap, isAssignment, parseEnvWrapper } from './env-proxy.js';
import { shellSplit } from './shell-split.js';
import { basename, equalsIgnoreCase, hasArgs } from './process-identity.js';
import type { RuleInput } from './types.js';

/**
 * Who the process is and what curl was given: the argument words (exact process.args, or
 * the command line split with shell rules), where curl's own arguments start, and the
 * environment curl sees (captured env_vars, changed by an env(1) wrapper or leading
 * NAME=value words when the event shows them).
 */

/** The curl invocation behind one process event. */
export interface Invocation {
  /** All words; curl's arguments are words[start..]. */
  words: readonly string[];
  start: number;
  /** Where the words came from. */
  source: 'argv' | 'command_line';
  /** The program the words run (basename), after assignments and env(1). */
  program: string | null;
  /** True when env(1) runs curl: env execs curl in the same process, so these are curl's arguments. */
  viaEnv: boolean;
  /** The environment curl sees. */
  env: ReadonlyMap<string, string>;
  /** Made for this event only: the verdict takes it over. */
  notes: string[];
}

const SPLIT_NOTE = 'words split from the command line with POSIX shell rules (the event has no process.args)';

/** Shared by every event without an environment; never written to. */
const EMPTY_ENV: ReadonlyMap<string, string> = new Map();

/** Reads the words and the environment of the event (see the module comment). */
export function readInvocation(input: RuleInput): Invocation {
  const fromArgs = hasArgs(input);
  let words: readonly string[];
  let notes: string[];
  if (fromArgs) {
    words = input.args as readonly string[];
    notes = [];
  } else {
    const split = shellSplit(input.commandLine ?? '');
    words = split.tokens;
    notes = [SPLIT_NOTE];
    if (split.unbalancedQuote !== null) {
      notes.push(`unbalanced ${split.unbalancedQuote} quote: the rest of the command line was taken as one word`);
    }
    if (split.sawNul) notes.push('NUL bytes separated words (as in /proc/<pid>/cmdline)');
  }
  // Most events carry no environment: they share one empty map until something is assigned.
  let env: Map<string, string> | null = input.envVars === undefined ? null : envMap(input.envVars);
  let k = 0;
  if (!fromArgs) {
    // A pasted shell command may start with NAME=value words: the shell puts them in curl's environment.
    while (k < words.length && isAssignment(words[k] as string)) {
      const [name, value] = splitAssignment(words[k] as string);
      (env ??= new Map()).set(name, value);
      k++;
    }
  }
  const first = words[k];
  const invocation: Invocation = {
    words,
    start: k + 1,
    source: fromArgs ? 'argv' : 'command_line',
    program: first === undefined ? null : basename(first),
    viaEnv: false,
    env: env ?? EMPTY_ENV,
    notes,
  };
  if (invocation.program === null || !equalsIgnoreCase(invocation.program, 'env')) return invocation;

  const wrapper = parseEnvWrapper(words.slice(k), splitWords);
  if (wrapper === null) return { ...invocation, program: null };
  env ??= new Map();
  if (wrapper.ignoreEnvironment) env.clear();
  for (const name of wrapper.unset) env.delete(name);
  for (const assignment of wrapper.assignments) {
    const [name, value] = splitAssignment(assignment);
    env.set(name, value);
  }
  const program = basename(wrapper.command[0] as string);
  const viaEnv = equalsIgnoreCase(program, 'curl');
  if (viaEnv) notes.push('env(1) replaces itself with curl (same process), so its environment changes and arguments are curl\'s');
  return { words: wrapper.command, start: 1, source: invocation.source, program, viaEnv, env, notes };
}

function splitWords(text: string): string[] {
  return shellSplit(text).tokens;
}

function splitAssignment(word: string): [string, string] {
  const eq = word.indexOf('=');
  return [word.slice(0, eq), word.slice(eq + 1)];
}
