import { isAssignment } from './env-proxy.js';
import type { RuleInput } from './types.js';
import { hasArgs } from './process-identity.js';

/**
 * A cheap, sound pre-check for argv mode on a process named curl: false only when the full
 * parser cannot find a proxy. After curl's argv[0], a proxy needs a short-option word with a
 * lower-case 'x' (-x, -sSx, -xhost) or a long-option word containing "pre", "prox" or "sock"
 * in any case (every spelling of --proxy, --preproxy, --socks*, --proxy1.0, abbreviated,
 * case-changed, --expand- or =value). The environment counts through *_proxy / *_PROXY
 * variables: captured ones, NAME=value words before the program, or an env(1) wrapper (left
 * to the parser). Quotes and backslashes are removed before the scan (so `"-"x` reads -x) and
 * then every word is checked, since quoting can move word boundaries. Tested against the full
 * parser over the unit-test table, the benchmark mix and random command lines.
 */
export function mayUseProxy(input: RuleInput): boolean {
  const env = input.envVars;
  if (env !== undefined) for (const entry of env) if (namesProxyVariable(entry, 0)) return true;
  if (hasArgs(input)) {
    const args = input.args;
    if (isEnvProgram(args[0] as string, 0, (args[0] as string).length)) return true;
    for (let k = 1; k < args.length; k++) {
      const word = args[k] as string;
      if (word.charCodeAt(0) === 0x2d && wordMayMatter(word, 0, word.length, word.indexOf('x') >= 0)) return true;
    }
    return false;
  }
  const line = input.commandLine;
  if (line === undefined) return false;
  return QUOTING.test(line) ? everyWordMayMatter(line.replace(STRIP, '')) : lineMayMatter(line);
}

const QUOTING = /['"\\]/;
/** Quote characters and backslashes (with the newline of a line continuation). */
const STRIP = /\\\n|['"\\]/g;

/** An unquoted command line: NAME=value words, the program word, then curl's arguments. */
function lineMayMatter(line: string): boolean {
  const n = line.length;
  let i = 0;
  // Leading words: NAME=value assignments (the shell's environment for curl), then the program.
  for (;;) {
    while (i < n && isSeparator(line.charCodeAt(i))) i++;
    if (i >= n) return false;
    const start = i;
    while (i < n && !isSeparator(line.charCodeAt(i))) i++;
    const word = line.slice(start, i);
    if (!isAssignment(word)) {
      if (isEnvProgram(line, start, i)) return true; // env(1) may set variables or split strings: the parser reads it
      break; // the program word is argv[0], never an option
    }
    if (namesProxyVariable(word, 0)) return true;
  }
  // curl's arguments: only words that start with a dash can be options; hop from dash to dash natively.
  let nextX = -2; // next 'x' at or after the current word, -1 when there is none
  for (let dash = line.indexOf('-', i); dash >= 0; dash = line.indexOf('-', dash + 1)) {
    if (!isSeparator(line.charCodeAt(dash - 1))) continue;
    let end = dash + 1;
    while (end < n && !isSeparator(line.charCodeAt(end))) end++;
    if (end - dash >= 2 && line.charCodeAt(dash + 1) !== 0x2d) {
      // Remembering the next 'x' keeps a megabyte of short options linear.
      if (nextX !== -1 && nextX < dash) nextX = line.indexOf('x', dash);
      if (nextX >= 0 && nextX < end) return true;
    } else if (wordMayMatter(line, dash, end, false)) return true;
    dash = end;
  }
  return false;
}

/** The conservative scan for text whose quoting was stripped: every word, every '='. */
function everyWordMayMatter(text: string): boolean {
  if (mentionsProxyVariable(text)) return true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (isSeparator(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let sawX = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (isSeparator(c)) break;
      if (c === 0x78) sawX = true;
    }
    if (wordMayMatter(text, start, i, sawX) || isEnvProgram(text, start, i)) return true;
  }
  return false;
}

/** Could text[start, end), a whole word, select a proxy as a curl option? */
function wordMayMatter(text: string, start: number, end: number, hasX: boolean): boolean {
  if (end - start < 2 || text.charCodeAt(start) !== 0x2d) return false;
  if (text.charCodeAt(start + 1) !== 0x2d) return hasX;
  // Long option: "pre", "prox" or "sock" in any case, found without allocating.
  for (let i = start + 2; i + 2 < end; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c === 0x70) {
      // p: "pre" or "prox"
      if ((text.charCodeAt(i + 1) | 0x20) !== 0x72) continue;
      const third = text.charCodeAt(i + 2) | 0x20;
      if (third === 0x65 || (third === 0x6f && i + 3 < end && (text.charCodeAt(i + 3) | 0x20) === 0x78)) return true;
    } else if (c === 0x73 && i + 3 < end) {
      // s: "sock"
      if ((text.charCodeAt(i + 1) | 0x20) === 0x6f && (text.charCodeAt(i + 2) | 0x20) === 0x63 && (text.charCodeAt(i + 3) | 0x20) === 0x6b) return true;
    }
  }
  return false;
}

/** True when the name of a NAME=value string (before its first '=') ends in _proxy or _PROXY. */
function namesProxyVariable(text: string, start: number): boolean {
  const eq = text.indexOf('=', start);
  return eq - start >= 6 && isProxySuffix(text, eq - 6);
}

/** True when text contains "_proxy=" or "_PROXY=" anywhere. */
function mentionsProxyVariable(text: string): boolean {
  for (let eq = text.indexOf('=', 6); eq >= 0; eq = text.indexOf('=', eq + 1)) if (isProxySuffix(text, eq - 6)) return true;
  return false;
}

function isProxySuffix(text: string, at: number): boolean {
  return text.startsWith('_proxy', at) || text.startsWith('_PROXY', at);
}

/** True when text[start, end) is a path whose last component is env (any case). */
function isEnvProgram(text: string, start: number, end: number): boolean {
  if (end - start < 3) return false;
  const at = end - 3;
  if (at > start && text.charCodeAt(at - 1) !== 0x2f) return false;
  return (text.charCodeAt(at) | 0x20) === 0x65 && (text.charCodeAt(at + 1) | 0x20) === 0x6e && (text.charCodeAt(at + 2) | 0x20) === 0x76;
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x00;
}
