/**
 * Splits a command line into words with POSIX shell quoting rules, for sources that give
 * only process.command_line. Linear: a plain line (no quoting, spaces only) takes a few native
 * scans, any other is read character by character once, literal runs copied with slice().
 * Never throws.
 *
 * Handled: whitespace (space, tab, newline) separates words; '...' is literal; "..." keeps
 * its content except that a backslash escapes $ ` " \ and newline; a backslash outside quotes
 * escapes the next character; backslash-newline is a line continuation; '' and "" make an
 * empty word. A NUL byte outside quotes separates words, as in /proc/<pid>/cmdline.
 * Not handled, on purpose: operators (; | & > <), expansions ($VAR, globs, $'...'): in a
 * recorded command line they are ordinary characters of curl's arguments.
 */

/** The words, plus what was odd about the text. */
export interface SplitResult {
  tokens: string[];
  /** The quote that was never closed (its word runs to the end of the text), or null. */
  unbalancedQuote: '"' | "'" | null;
  /** True when a NUL byte separated words. */
  sawNul: boolean;
}

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const NUL = 0x00;
const SINGLE = 0x27;
const DOUBLE = 0x22;
const BACKSLASH = 0x5c;

/** Splits `text` into words (see the module comment for the rules). */
export function shellSplit(text: string): SplitResult {
  // Most recorded command lines hold no quoting and no separator but spaces: they are split
  // by native searches (a handful of indexOf calls beat a character loop or a regex here).
  if (isPlain(text)) return { tokens: splitOnSpaces(text), unbalancedQuote: null, sawNul: false };
  return splitQuoted(text);
}

/** True when the only separator is the space and there is nothing to unquote. */
function isPlain(text: string): boolean {
  return (
    text.indexOf("'") < 0 &&
    text.indexOf('"') < 0 &&
    text.indexOf('\\') < 0 &&
    text.indexOf('\t') < 0 &&
    text.indexOf('\n') < 0 &&
    text.indexOf('\0') < 0
  );
}

/** The words between runs of spaces. */
function splitOnSpaces(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const space = text.indexOf(' ', i);
    const end = space < 0 ? n : space;
    if (end > i) tokens.push(text.slice(i, end));
    i = end + 1;
  }
  return tokens;
}

/** The general case: quotes, escapes, line continuations, tabs, newlines and NUL bytes. */
function splitQuoted(text: string): SplitResult {
  const tokens: string[] = [];
  const len = text.length;
  let unbalancedQuote: SplitResult['unbalancedQuote'] = null;
  let sawNul = false;
  // The word's pieces, joined once at its end: appending to a string piece by piece builds a
  // chain of V8 cons-strings, which a megabyte of escapes makes several times slower per byte.
  const word: string[] = [];
  let inWord = false;
  let runStart = -1; // start of the literal run not yet copied into `word`
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB || c === NEWLINE || c === NUL) {
      if (c === NUL) sawNul = true;
      if (runStart >= 0) word.push(text.slice(runStart, i));
      runStart = -1;
      if (inWord) tokens.push(joined(word));
      word.length = 0;
      inWord = false;
      i++;
      continue;
    }
    if (c !== SINGLE && c !== DOUBLE && c !== BACKSLASH) {
      if (runStart < 0) runStart = i;
      inWord = true;
      i++;
      continue;
    }
    if (runStart >= 0) word.push(text.slice(runStart, i));
    runStart = -1;
    if (c === BACKSLASH) {
      if (i + 1 >= len) {
        word.push('\\'); // a trailing backslash stays literal
        inWord = true;
        i++;
      } else if (text.charCodeAt(i + 1) === NEWLINE) {
        i += 2; // line continuation: both characters vanish
      } else {
        word.push(text[i + 1] as string);
        inWord = true;
        i += 2;
      }
      continue;
    }
    inWord = true;
    if (c === SINGLE) {
      const close = text.indexOf("'", i + 1);
      if (close < 0) {
        word.push(text.slice(i + 1));
        unbalancedQuote = "'";
        i = len;
      } else {
        word.push(text.slice(i + 1, close));
        i = close + 1;
      }
      continue;
    }
    const end = readDoubleQuoted(text, i + 1);
    word.push(end.value);
    if (end.closed) i = end.next;
    else {
      unbalancedQuote = '"';
      i = len;
    }
  }
  if (runStart >= 0) word.push(text.slice(runStart));
  if (inWord) tokens.push(joined(word));
  return { tokens, unbalancedQuote, sawNul };
}

function joined(parts: readonly string[]): string {
  return parts.length === 1 ? (parts[0] as string) : parts.join('');
}

function readDoubleQuoted(text: string, start: number): { value: string; closed: boolean; next: number } {
  const value: string[] = []; // pieces joined once, as in splitQuoted
  let run = start;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === DOUBLE) {
      value.push(text.slice(run, i));
      return { value: joined(value), closed: true, next: i + 1 };
    }
    if (c === BACKSLASH && i + 1 < text.length) {
      const next = text[i + 1] as string;
      if (next === '$' || next === '`' || next === '"' || next === '\\' || next === '\n') {
        value.push(text.slice(run, i));
        if (next !== '\n') value.push(next);
        i += 2;
        run = i;
        continue;
      }
    }
    i++;
  }
  value.push(text.slice(run));
  return { value: joined(value), closed: false, next: text.length };
}
