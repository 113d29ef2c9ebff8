import type { RuleInput } from './types.js';
import { hasArgs } from './process-identity.js';

/**
 * A cheap, sound pre-check for argv mode on a process named curl: false only when the full
 * parser cannot find a proxy. After curl's argv[0], a proxy needs a short-option word with a
 * lower-case 'x' (-x, -sSx, -xhost) or a long-option word containing "pre", "prox" or "sock"
 * in any case (every spelling of --proxy, --preproxy, --socks*, --proxy1.0, abbreviated,
 * case-changed, --expand- or =value). The environment counts through *_proxy / *_PROXY
 * variables: captured ones, NAME=value words before the program, or an env(1) wrapper (left
 * to the parser). A line with quoting is read as if its quotes and backslashes were removed
 * (so `"-"x` reads -x), and then every word is checked, since quoting can move word
 * boundaries. No allocation, one or two passes over the text. Tested against the full parser
 * over the unit-test table, the benchmark mix and random command lines.
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
  // Quoting (rare) can move word boundaries: such a line takes the conservative scan.
  return hasQuoting(line) ? strippedMayMatter(line) : lineMayMatter(line);
}

/** True when the text holds a quote or a backslash (three native scans beat one regex or a loop here). */
function hasQuoting(text: string): boolean {
  return text.indexOf("'") >= 0 || text.indexOf('"') >= 0 || text.indexOf('\\') >= 0;
}

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
    if (!isAssignmentWord(line, start, i)) {
      if (isEnvProgram(line, start, i)) return true; // env(1) may set variables or split strings: the parser reads it
      break; // the program word is argv[0], never an option
    }
    if (namesProxyVariable(line, start)) return true;
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

/** The separators of shell words in a recorded command line: space, tab, newline, NUL. */
function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x00;
}

/**
 * The conservative scan for a command line with quoting: the answer for the text with every
 * quote, backslash and backslash-newline removed, checking every word (any of them may be an
 * option or env once quoting moved the boundaries) and every "_proxy=" / "_PROXY=". Streams
 * over the text once, keeping the last seven kept characters, instead of building the copy.
 */
function strippedMayMatter(text: string): boolean {
  const n = text.length;
  let length = 0; // kept characters in the current word
  let first = 0;
  let second = 0;
  let sawX = false;
  // The last seven kept characters of the word: w0 the newest.
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x20; // a separator after the end closes the last word
    if (c === 0x27 || c === 0x22 || c === 0x5c) {
      if (c === 0x5c && i + 1 < n && text.charCodeAt(i + 1) === 0x0a) i++; // a line continuation goes as a whole
      continue;
    }
    if (isSeparator(c)) {
      // The word ends: a path whose last component is env (any case)?
      if (length >= 3 && (length === 3 || w3 === 0x2f) && (w2 | 0x20) === 0x65 && (w1 | 0x20) === 0x6e && (w0 | 0x20) === 0x76) return true;
      length = 0;
      sawX = false;
      w0 = w1 = w2 = w3 = w4 = w5 = w6 = 0;
      continue;
    }
    w6 = w5;
    w5 = w4;
    w4 = w3;
    w3 = w2;
    w2 = w1;
    w1 = w0;
    w0 = c;
    length++;
    if (length === 1) first = c;
    else if (length === 2) second = c;
    if (c === 0x78) sawX = true;
    if (first === 0x2d && length >= 2) {
      if (second !== 0x2d) {
        if (sawX) return true; // a short-option cluster with x
      } else if (length >= 5 && isLongHit(length, w0, w1, w2, w3)) return true;
    }
    if (c === 0x3d && length >= 7 && w6 === 0x5f && (isProxyWord(w5, w4, w3, w2, w1, 0x00) || isProxyWord(w5, w4, w3, w2, w1, 0x20))) return true;
  }
  return false;
}

/** After "--" and at least one more character: "pre", "prox" or "sock" (any case) ends with w0. */
function isLongHit(length: number, w0: number, w1: number, w2: number, w3: number): boolean {
  const a = w3 | 0x20;
  const b = w2 | 0x20;
  const c = w1 | 0x20;
  const d = w0 | 0x20;
  if (b === 0x70 && c === 0x72 && d === 0x65) return true; // pre (3 characters, all after the dashes: length >= 5)
  if (length < 6) return false;
  return (a === 0x70 && b === 0x72 && c === 0x6f && d === 0x78) || (a === 0x73 && b === 0x6f && c === 0x63 && d === 0x6b); // prox, sock
}

/** "proxy" in lower case (caseBit 0x20 added to the upper-case letters) or "PROXY" (caseBit 0). */
function isProxyWord(p: number, r: number, o: number, x: number, y: number, caseBit: number): boolean {
  return p === (0x50 | caseBit) && r === (0x52 | caseBit) && o === (0x4f | caseBit) && x === (0x58 | caseBit) && y === (0x59 | caseBit);
}

/** True for a shell assignment word text[start, end) = NAME=value (NAME a valid shell identifier). */
function isAssignmentWord(text: string, start: number, end: number): boolean {
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) return i > start;
    const ok = c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (i > start && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
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
