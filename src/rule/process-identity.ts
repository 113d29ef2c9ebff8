import type { RuleInput } from './types.js';

/**
 * Is this process curl? From process.name and the executable's basename, compared ASCII
 * case-insensitively without allocating: this runs on every event.
 */

/** What the process name and path say, before any argument is read. */
export type NameKind = 'curl' | 'env' | 'other' | 'unknown';

/** Last path component ('/usr/bin/curl' -> 'curl'). */
export function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** ASCII case-insensitive equality with a lower-case word, without allocating. */
export function equalsIgnoreCase(value: string, lowerWord: string): boolean {
  if (value.length !== lowerWord.length) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

/** Classifies the process from process.name and the executable's basename. Allocates nothing: it runs on every event. */
export function nameKind(input: RuleInput): NameKind {
  const { processName, processPath } = input;
  if (processName === undefined && processPath === undefined) return 'unknown';
  // Length and last letter first: almost every event is rejected by one comparison.
  const nameLength = processName === undefined ? 0 : processName.length;
  const pathLast = processPath === undefined || processPath.length === 0 ? 0 : processPath.charCodeAt(processPath.length - 1) | 0x20;
  if (nameLength === 4 && equalsIgnoreCase(processName as string, 'curl')) return 'curl';
  if (pathLast === 0x6c && isBasename(processPath, 'curl')) return 'curl';
  if (nameLength === 3 && equalsIgnoreCase(processName as string, 'env')) return 'env';
  if (pathLast === 0x76 && isBasename(processPath, 'env')) return 'env';
  return 'other';
}

/** True when the last path component of `path` is `word` (ASCII case-insensitive). */
function isBasename(path: string | undefined, word: string): boolean {
  if (path === undefined || path.length < word.length) return false;
  const start = path.length - word.length;
  if (start > 0 && path.charCodeAt(start - 1) !== 0x2f) return false;
  for (let i = 0; i < word.length; i++) {
    const c = path.charCodeAt(start + i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** True when the event carries a usable argv. */
export function hasArgs(input: RuleInput): input is RuleInput & { args: readonly string[] } {
  return input.args !== undefined && input.args.length > 0;
}


/**
 * Could this env(1) process run curl? True when the arguments or the command line mention
 * curl in any case, or hold quotes or backslashes (which can spell it `c"ur"l`, also inside
 * an env -S string).
 */
export function mentionsCurl(input: RuleInput): boolean {
  if (hasArgs(input)) {
    for (const word of input.args) if (containsCurl(word) || QUOTING.test(word)) return true;
    return false;
  }
  return input.commandLine !== undefined && (containsCurl(input.commandLine) || QUOTING.test(input.commandLine));
}

const QUOTING = /['"\\]/;

function containsCurl(text: string): boolean {
  for (let i = text.length - 4; i >= 0; i--) {
    if (
      (text.charCodeAt(i) | 0x20) === 0x63 &&
      (text.charCodeAt(i + 1) | 0x20) === 0x75 &&
      (text.charCodeAt(i + 2) | 0x20) === 0x72 &&
      (text.charCodeAt(i + 3) | 0x20) === 0x6c
    ) {
      return true;
    }
  }
  return false;
}
