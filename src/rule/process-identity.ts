import type { RuleInput } from './types.js';

/**
 * Is this process curl? From process.name and the executable's basename, compared ASCII
 * case-insensitively without allocating: this runs on every event.
 */

/** What the process name and path say, before any argument is read. */
export type NameKind = 'curl' | 'env' | 'other' | 'unknown';

/** Last path component ('/usr/bin/curl' -> 'curl'). */
export function basename(path: string): string {
  // A plain loop: lastIndexOf is a call into the runtime, dearer than the few characters scanned here.
  let i = path.length - 1;
  while (i >= 0 && path.charCodeAt(i) !== 0x2f) i--;
  return i < 0 ? path : path.slice(i + 1);
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

/**
 * The cheapest test that settles nearly every event, with no call and no allocation: true when
 * process.name cannot spell curl or env (wrong length or first letter) and the executable path
 * cannot end in either (wrong last letter). False means "maybe": nameKind then decides.
 * Each test is computed without branches: on a random mix of names, a branch on the length or
 * a letter is mispredicted often, and each misprediction also throws away the memory reads
 * already started for the next events (the path is a string of its own, often not in cache).
 */
export function surelyNotCurl(input: RuleInput): boolean {
  const { processName: name, processPath: path } = input;
  if (name === undefined || path === undefined) return surelyNotCurlPartly(name, path);
  // One branch on the whole name test (rarely taken): a curl process needs no look at its path.
  if (nameMayBe(name) !== 0) return false;
  return pathMayBe(path) === 0;
}

/** 1 when the name has the length and first letter of curl or env (any case), else 0. */
function nameMayBe(name: string): number {
  const length = name.length;
  const first = name.charCodeAt(0) | 0x20; // NaN | 0x20 is 0x20 for an empty name
  return (+(length === 4) & +(first === 0x63)) | (+(length === 3) & +(first === 0x65));
}

/** 1 when the path ends with the last letter of curl or env (any case), else 0. */
function pathMayBe(path: string): number {
  const last = path.charCodeAt(path.length - 1) | 0x20; // NaN | 0x20 is 0x20 for an empty path
  return +(last === 0x6c) | +(last === 0x76);
}

/** surelyNotCurl when a field is missing: with neither, the command line decides (nameKind says 'unknown'). */
function surelyNotCurlPartly(name: string | undefined, path: string | undefined): boolean {
  if (name === undefined) return path !== undefined && pathMayBe(path) === 0;
  return nameMayBe(name) === 0;
}

/** Classifies the process from process.name and the executable's basename. Allocates nothing: it runs on every event. */
export function nameKind(input: RuleInput): NameKind {
  const { processName, processPath } = input;
  if (processName === undefined && processPath === undefined) return 'unknown';
  const nameLength = processName === undefined ? 0 : processName.length;
  // A curl name settles it without touching the path (another string, often not in cache).
  if (nameLength === 4 && equalsIgnoreCase(processName as string, 'curl')) return 'curl';
  const pathLast = processPath === undefined || processPath.length === 0 ? 0 : processPath.charCodeAt(processPath.length - 1) | 0x20;
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
