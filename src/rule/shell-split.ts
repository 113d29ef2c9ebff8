/**
 * Splits a command line into words with POSIX shell quoting rules, for sources that give
 * only process.command_line. Linear: every character is looked at once, literal runs are
 * copied with slice(). Never throws.
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

const QUOTING = /['"\\]/;
const SEPARATORS = /[ \t\n\0]+/;

/** Splits `text` into words (see the module comment for the rules). */
export function shellSplit(text: string): SplitResult {
  // Most recorded command lines hold no quoting at all: a native split is then exact.
  if (!QUOTING.test(text)) {
    const tokens = text.split(SEPARATORS);
    if (tokens.length > 0 && tokens[0] === '') tokens.shift();
    if (tokens.length > 0 && tokens[tokens.length - 1] === '') tokens.pop();
    return { tokens, unbalancedQuote: null, sawNul: text.includes('\0') };
  }
  const tokens: string[] = [];
  const len = text.length;
  let unbalancedQuote: SplitResult['unbalancedQuote'] = null;
  let sawNul = false;
  let word = '';
  let inWord = false;
  let runStart = -1; // start of the literal run not yet copied into `word`
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB || c === NEWLINE || c === NUL) {
      if (c === NUL) sawNul = true;
      if (runStart >= 0) word += text.slice(runStart, i);
      runStart = -1;
      if (inWord) tokens.push(word);
      word = '';
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
    if (runStart >= 0) word += text.slice(runStart, i);
    runStart = -1;
    if (c === BACKSLASH) {
      if (i + 1 >= len) {
        word += '\\'; // a trailing backslash stays literal
        inWord = true;
        i++;
      } else if (text.charCodeAt(i + 1) === NEWLINE) {
        i += 2; // line continuation: both characters vanish
      } else {
        word += text[i + 1];
        inWord = true;
        i += 2;
      }
      continue;
    }
    inWord = true;
    if (c === SINGLE) {
      const close = text.indexOf("'", i + 1);
      if (close < 0) {
        word += text.slice(i + 1);
        unbalancedQuote = "'";
        i = len;
      } else {
        word += text.slice(i + 1, close);
        i = close + 1;
      }
      continue;
    }
    const end = readDoubleQuoted(text, i + 1);
    word += end.value;
    if (end.closed) i = end.next;
    else {
      unbalancedQuote = '"';
      i = len;
    }
  }
  if (runStart >= 0) word += text.slice(runStart);
  if (inWord) tokens.push(word);
  return { tokens, unbalancedQuote, sawNul };
}

function readDoubleQuoted(text: string, start: number): { value: string; closed: boolean; next: number } {
  let value = '';
  let run = start;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === DOUBLE) return { value: value + text.slice(run, i), closed: true, next: i + 1 };
    if (c === BACKSLASH && i + 1 < text.length) {
      const next = text[i + 1] as string;
      if (next === '$' || next === '`' || next === '"' || next === '\\' || next === '\n') {
        value += text.slice(run, i) + (next === '\n' ? '' : next);
        i += 2;
        run = i;
        continue;
      }
    }
    i++;
  }
  return { value: value + text.slice(run), closed: false, next: text.length };
}
