import { findLongOption, findShortCode, takesValue, type OptionSpec } from './curl-options.js';

/**
 * The one redaction of credentials, for everything that leaves the process: findings, Redis
 * metadata, logs, traces, `explain`. Pure, total and linear. It reads words with curl's own
 * grammar, so it knows which word is a value of which option:
 * - `user[:password]@` in any URL, with or without a scheme for proxy values, up to the LAST
 *   `@` of the word (a password may hold `@ / # ?`) -> `***@`;
 * - `-u`/`--user`, `-U`/`--proxy-user`, `-E`/`--cert`, `--proxy-cert` -> `name:***`;
 * - `--oauth2-bearer`, `--pass`, `--proxy-pass`, `--tlspassword`, `--proxy-tlspassword` -> `***`;
 * - `-H`/`--header`/`--proxy-header` whose name speaks of auth, tokens, keys, cookies,
 *   secrets or passwords -> `Name: ***`; `-b`/`--cookie` values -> `name=***`;
 * - `NAME=value` assignments (before the program, through env(1), in `process.env_vars`) whose
 *   name speaks of a proxy, a password, a token, a secret or a key -> userinfo or whole value.
 * Over-redaction is preferred to a leak: any word with `://` is also treated as a URL.
 *
 * Linear in the text on every input: each level of a script inside a script (at most
 * {@link MAX_DEPTH}) reads its text a fixed number of times, with loops and `includes`; a regular
 * expression only ever sees an option name (bounded by curl's longest name), never the line,
 * a word or a value, so no backtracking can turn a hostile megabyte into minutes
 * (test/unit/rule/redact.test.ts checks both on hostile megabytes).
 */

const MASK = '***';

/** What a credential-carrying option's value becomes. */
type ValueKind = 'userpass' | 'secret' | 'header' | 'cookie' | 'proxy';

const VALUE_KINDS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ['user', 'userpass'],
  ['proxy-user', 'userpass'],
  ['cert', 'userpass'],
  ['proxy-cert', 'userpass'],
  ['oauth2-bearer', 'secret'],
  ['pass', 'secret'],
  ['proxy-pass', 'secret'],
  ['tlspassword', 'secret'],
  ['proxy-tlspassword', 'secret'],
  ['header', 'header'],
  ['proxy-header', 'header'],
  ['cookie', 'cookie'],
  ['proxy', 'proxy'],
  ['preproxy', 'proxy'],
  ['socks4', 'proxy'],
  ['socks4a', 'proxy'],
  ['socks5', 'proxy'],
  ['socks5-hostname', 'proxy'],
  ['proxy1.0', 'proxy'],
]);

/** Header names that carry a secret (ASCII case-insensitive, as /i without u). */
const SECRET_HEADER = ['auth', 'token', 'key', 'cookie', 'secret', 'pass', 'session', 'credential'] as const;
/** Variable names whose value is a secret (a proxy's: its user info only). */
const SECRET_NAME = ['proxy', 'pass', 'token', 'secret', 'key', 'auth', 'credential'] as const;

/** True when `text`, ASCII letters folded to lower case, holds one of `words` (lower case). */
function mentions(text: string, words: readonly string[]): boolean {
  const lower = asciiLower(text);
  return words.some((word) => lower.includes(word));
}

/**
 * Lower-cases A-Z only, what /i without the u flag folds for ASCII patterns (toLowerCase
 * would also turn a Kelvin sign into 'k'). One pass.
 */
function asciiLower(text: string): string {
  let ascii = true;
  for (let i = 0; ascii && i < text.length; i++) ascii = text.charCodeAt(i) < 0x80;
  if (ascii) return text.toLowerCase();
  let parts: string[] | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isUpper(text.charCodeAt(i))) continue;
    let end = i + 1;
    while (end < text.length && isUpper(text.charCodeAt(end))) end++;
    (parts ??= []).push(text.slice(from, i), text.slice(i, end).toLowerCase());
    from = end;
    i = end - 1;
  }
  if (parts === null) return text;
  parts.push(text.slice(from));
  return parts.join('');
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

/**
 * Where user info may start without a scheme: `proxy` (a proxy value: `user[:pw]@host` as
 * curl reads it), `generic` (any word: only `user:pw@`, so an e-mail address stays), `none`.
 */
export type SchemelessUserinfo = 'proxy' | 'generic' | 'none';

/**
 * Text with the user info of every URL replaced: `scheme://user:pw@host` -> `scheme://***@host`.
 * Per blank- or quote-delimited token, from its first `://` (or its start, see `schemeless`) to
 * its LAST `@`, when what lies between can be user info: it holds a `:` before any `/`, or no
 * `/` at all. One pass over the text.
 */
export function redactUserinfo(value: string, mode: SchemelessUserinfo = 'generic'): string {
  if (value.indexOf('@') < 0) return value;
  let out = '';
  let pos = 0;
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && isDelimiter(value.charCodeAt(i))) i++;
    const start = i;
    let at = -1;
    let sep = -1;
    let colon = -1;
    let slash = -1;
    while (i < n && !isDelimiter(value.charCodeAt(i))) {
      const c = value.charCodeAt(i);
      if (c === 0x40) at = i;
      else if (c === 0x3a && sep < 0 && value.startsWith('://', i)) {
        sep = i;
        colon = -1;
        slash = -1;
        i += 3;
        continue;
      } else if (c === 0x3a && colon < 0) colon = i;
      else if (c === 0x2f && slash < 0) slash = i;
      i++;
    }
    if (at < 0) continue;
    const from = sep >= 0 ? sep + 3 : start;
    if (at < from) continue;
    // colon/slash were reset at the scheme, so they describe the part after it.
    const colonFirst = colon >= from && colon < at && (slash < 0 || slash > at || colon < slash);
    const noSlash = slash < 0 || slash > at;
    const allowed = sep >= 0 ? colonFirst || noSlash : mode === 'proxy' ? colonFirst || noSlash : mode === 'generic' ? colonFirst : false;
    if (!allowed) continue;
    out += `${value.slice(pos, from)}${MASK}`;
    pos = at;
  }
  return pos === 0 ? value : out + value.slice(pos);
}

function isDelimiter(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x22 || c === 0x27 || c === 0;
}

/** Free text (a reason, a note, a near-miss token): every URL's user info. */
export function redactText(text: string): string {
  return redactUserinfo(text);
}

function redactValue(kind: PlainOrKind, value: string): string {
  switch (kind) {
    case 'plain':
      return redactUserinfo(value);
    case 'userpass': {
      const colon = value.indexOf(':');
      return colon < 0 ? redactUserinfo(value) : `${value.slice(0, colon)}:${MASK}`;
    }
    case 'secret':
      return value === '' ? value : MASK;
    case 'header': {
      const colon = value.indexOf(':');
      const semi = value.indexOf(';');
      const end = colon >= 0 ? colon : semi;
      if (end >= 0 && mentions(value.slice(0, end), SECRET_HEADER)) return `${value.slice(0, end + 1)} ${MASK}`;
      return redactUserinfo(value);
    }
    case 'cookie':
      // A file name has no '='; a cookie string is name=value pairs.
      return value.includes('=') ? maskCookieValues(value) : value;
    case 'proxy':
      return redactUserinfo(value, 'proxy');
  }
}

/** `a=1; b=2` -> `a=***; b=***`: every `=` masks up to the next `;` (as /=([^;]*)/g did, in one pass). */
function maskCookieValues(value: string): string {
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const eq = value.indexOf('=', from);
    if (eq < 0) break;
    parts.push(value.slice(from, eq + 1), MASK);
    const semi = value.indexOf(';', eq + 1);
    from = semi < 0 ? value.length : semi;
  }
  parts.push(value.slice(from));
  return parts.join('');
}

/** A `NAME=value` assignment with its secret hidden. */
export function redactAssignment(word: string): string {
  const eq = word.indexOf('=');
  if (eq <= 0) return redactUserinfo(word);
  const name = word.slice(0, eq);
  const value = word.slice(eq + 1);
  if (mentions(name, ['proxy'])) return `${name}=${redactUserinfo(value, 'proxy')}`;
  if (value !== '' && mentions(name, SECRET_NAME)) return `${name}=${MASK}`;
  return `${name}=${redactUserinfo(value)}`;
}

/** Environment entries (`process.env_vars`) with secrets hidden. */
export function redactEnv(entries: readonly string[]): string[] {
  return entries.map(redactAssignment);
}

/**
 * Words of a command (argv, or a command line split into words) with every credential hidden.
 * Assignments before the program and the env(1) wrapper's are read as assignments; the words
 * after are read with curl's option grammar (for any program: a wrapper such as sudo or
 * timeout passes them on). Returns the same array when nothing changed.
 */
export function redactWords(words: readonly string[], depth = 0): readonly string[] {
  let out: string[] | null = null;
  const set = (i: number, value: string): void => {
    if (value === words[i]) return;
    out ??= [...words];
    out[i] = value;
  };
  let pending: PlainOrKind | null = null;
  let options = true;
  let leading = true;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (pending !== null) {
      set(i, pending === 'plain' && hasBlank(word) && depth < MAX_DEPTH ? redactCommandLine(word, depth + 1) : redactValue(pending, word));
      pending = null;
      continue;
    }
    if (leading && isAssignmentWord(word)) {
      set(i, redactAssignment(word));
      continue;
    }
    leading = false;
    if (!options || word.length < 2 || word.charCodeAt(0) !== 0x2d) {
      // A program, a URL, a value of an option we do not know, an env(1) assignment, or a
      // script (`sh -c '...'`, `env -S '...'`) that is a command line of its own.
      set(i, isAssignmentWord(word) ? redactAssignment(word) : hasBlank(word) && depth < MAX_DEPTH ? redactCommandLine(word, depth + 1) : redactUserinfo(word));
      continue;
    }
    if (word === '--') {
      options = false;
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      let name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      if (name.startsWith('expand-')) name = name.slice(7);
      const found = findLongOption(name);
      const spec: OptionSpec | undefined = found.found ? found.spec : undefined;
      const kind = spec === undefined ? undefined : VALUE_KINDS.get(spec.name);
      if (eq >= 0) {
        const inline = word.slice(eq + 1);
        set(i, `${word.slice(0, eq + 1)}${kind === undefined ? redactUserinfo(inline) : redactValue(kind, inline)}`);
      } else if (spec !== undefined && takesValue(spec)) {
        // An option we know takes the next word: secret or not, it is not an option.
        pending = kind ?? 'plain';
      }
      continue;
    }
    // A short cluster: the first letter that takes a value takes the rest of the word or the next word.
    for (let j = 1; j < word.length; j++) {
      const spec = findShortCode(word.charCodeAt(j));
      if (spec === undefined || !takesValue(spec)) continue;
      const kind = VALUE_KINDS.get(spec.name);
      if (j + 1 < word.length) {
        const value = word.slice(j + 1);
        set(i, `${word.slice(0, j + 1)}${kind === undefined ? redactUserinfo(value) : redactValue(kind, value)}`);
      } else {
        pending = kind ?? 'plain';
      }
      break;
    }
  }
  return out ?? words;
}

/** The value of a non-credential option: only URL user info in it is hidden. */
type PlainOrKind = ValueKind | 'plain';

/** Scripts inside scripts are read this deep (`sh -c "bash -c '...'"`); deeper text still gets URL redaction. */
const MAX_DEPTH = 3;

function hasBlank(word: string): boolean {
  return word.includes(' ') || word.includes('\t') || word.includes('\n');
}

/** `NAME=...` with a shell variable name (letters, digits, `_`, not starting with a digit). */
function isAssignmentWord(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    if (!letter && (i === 0 || c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

/**
 * A command line with every credential hidden: split into words with their places (POSIX
 * quoting), each word judged as {@link redactWords} does, and a changed word written back in
 * place (single-quoted when it needs quoting). Text the split cannot place is still searched
 * for URL user info.
 */
export function redactCommandLine(line: string, depth = 0): string {
  if (!mayHoldSecret(line)) return line;
  const spans = wordSpans(line);
  const words = spans.map((s) => s.text);
  const redacted = redactWords(words, depth);
  let out = '';
  let pos = 0;
  if (redacted !== words) {
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as WordSpan;
      const value = redacted[i] as string;
      if (value === span.text) continue;
      out += line.slice(pos, span.start) + quoteWord(value);
      pos = span.end;
    }
  }
  return redactUserinfo(out + line.slice(pos));
}

/**
 * Cheap and exact: without '@' (user info), '=' (assignments, `--opt=value`, cookies) and '-'
 * (any option, so any option's value) no word can change. (It was a regular expression over
 * the line, quadratic on a run of dashes: 338 s of CPU for a megabyte of '--proxy'.)
 */
function mayHoldSecret(line: string): boolean {
  return line.includes('@') || line.includes('=') || line.includes('-');
}

interface WordSpan {
  start: number;
  end: number;
  /** The word with its quoting removed. */
  text: string;
}

/** Words of a command line with where each starts and ends (POSIX quotes and backslashes). */
function wordSpans(line: string): WordSpan[] {
  const spans: WordSpan[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    const parts: string[] = [];
    let chunk = i;
    while (i < n && !isBlank(line.charCodeAt(i))) {
      const c = line[i] as string;
      if (c === "'") {
        parts.push(line.slice(chunk, i));
        const close = line.indexOf("'", i + 1);
        const end = close < 0 ? n : close;
        parts.push(line.slice(i + 1, end));
        i = close < 0 ? n : close + 1;
        chunk = i;
      } else if (c === '"') {
        parts.push(line.slice(chunk, i));
        i++;
        let text = '';
        while (i < n && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < n && '"\\$`'.includes(line[i + 1] as string)) i++;
          text += line[i];
          i++;
        }
        parts.push(text);
        i = Math.min(n, i + 1);
        chunk = i;
      } else if (c === '\\' && i + 1 < n) {
        parts.push(line.slice(chunk, i));
        parts.push(line[i + 1] as string);
        i += 2;
        chunk = i;
      } else {
        i++;
      }
    }
    // A word without quotes or backslashes is its own text (the common case: no array, no join).
    const text = parts.length === 0 ? line.slice(start, i) : (parts.push(line.slice(chunk, i)), parts.join(''));
    spans.push({ start, end: i, text });
  }
  return spans;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0;
}

/** The word as is when the shell would read it so, else single-quoted. */
function quoteWord(word: string): string {
  let plain = word.length > 0;
  for (let i = 0; plain && i < word.length; i++) plain = isPlain(word.charCodeAt(i));
  return plain ? word : `'${word.split("'").join("'\\''")}'`;
}

/** [A-Za-z0-9_@%+=:,./*-] */
function isPlain(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || '_@%+=:,./*-'.includes(String.fromCharCode(c));
}
