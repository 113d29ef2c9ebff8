import { compileGlob, globFindLower } from './glob.js';
import { equalsIgnoreCase } from './process-identity.js';
import { redactCredentials, shorten } from './proxy-url.js';
import type { ProxyUse, RuleInput, Verdict } from './types.js';
import { deepFreeze } from '../freeze.js';

/**
 * splunk mode: the analytic, reproduced exactly, false positives and misses included:
 *   Processes.process_name=curl
 *   Processes.process IN ("*-x *", "*socks4a://*", "*socks5h://*", "*socks4://*", "*socks5://*", "*--preproxy *", "--proxy*")
 * Splunk compares field values case-insensitively and a wildcard value matches the whole
 * field, so "--proxy*" only matches a command line that begins with --proxy (never, in
 * practice: the command line begins with the executable).
 */

/** The analytic's seven command-line patterns, in its order. */
export const ANALYTIC_PATTERNS = ['*-x *', '*socks4a://*', '*socks5h://*', '*socks4://*', '*socks5://*', '*--preproxy *', '--proxy*'] as const;

const GLOBS = ANALYTIC_PATTERNS.map(compileGlob);

/** Evaluates the analytic on process_name and process (the command line). */
export function evaluateSplunk(input: RuleInput): Verdict {
  const name = input.processName;
  if (name === undefined || !equalsIgnoreCase(name, 'curl')) return notCurl(name);
  const notes: string[] = [];
  let text = input.commandLine;
  if (text === undefined && input.args !== undefined && input.args.length > 0) {
    text = input.args.join(' ');
    notes.push('no command line in the event: process.args joined with spaces, as CIM add-ons build process');
  }
  if (text === undefined) return verdict(false, true, [], 'process_name is curl, but the event has no command line to match.', notes);

  const lower = text.toLowerCase();
  // Lower-casing can change the length of some non-ASCII text; excerpts then come from the lower-cased copy.
  const excerptSource = lower.length === text.length ? text : lower;
  const hits: ProxyUse[] = [];
  GLOBS.forEach((glob, k) => {
    const at = globFindLower(glob, lower);
    if (at < 0) return;
    const pattern = ANALYTIC_PATTERNS[k] as string;
    hits.push({
      option: pattern,
      canonical: pattern,
      url: excerpt(excerptSource, at, glob.parts.find((part) => part.length > 0) ?? ''),
      scheme: null,
      host: null,
      port: null,
      source: 'command_line',
      evasion: null,
      segment: 1,
      refused: null,
    });
  });
  if (hits.length === 0) return verdict(false, true, [], "process_name is curl, but none of the analytic's 7 patterns matches the command line.", notes);
  const list = hits.map((hit) => `"${hit.option}"`).join(', ');
  const reason = `process_name is curl and the command line matches the analytic's pattern${hits.length > 1 ? 's' : ''} ${list}.`;
  return verdict(true, true, hits, reason, notes);
}

/** The word the pattern points at: the one after "-x " / "--preproxy ", or the one holding "socks5://". */
function excerpt(text: string, at: number, piece: string): string {
  let start = piece.endsWith(' ') ? at + piece.length : at;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  let end = start;
  while (end < text.length && end - start < 1024 && !isSpace(text.charCodeAt(end))) end++;
  if (piece === '--proxy' && end - start === piece.length) return excerpt(text, end, ' ');
  return shorten(redactCredentials(text.slice(start, end)), 256);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Nearly every event is another process, and process names repeat: their verdicts are built
 * once per name and shared, frozen (verdicts are data, callers never modify them). The memo is
 * bounded, so a stream of ever-new names costs memory only up to the bound.
 */
const NOT_CURL_BY_NAME = new Map<string, Verdict>();
const MAX_MEMO_NAMES = 1024;
const NAME_MISSING = deepFreeze(notCurlVerdict(undefined));

function notCurl(name: string | undefined): Verdict {
  if (name === undefined) return NAME_MISSING;
  const known = NOT_CURL_BY_NAME.get(name);
  if (known !== undefined) return known;
  const made = deepFreeze(notCurlVerdict(name));
  if (NOT_CURL_BY_NAME.size < MAX_MEMO_NAMES) NOT_CURL_BY_NAME.set(name, made);
  return made;
}

function notCurlVerdict(name: string | undefined): Verdict {
  const shown = name === undefined ? 'is missing' : `is "${shorten(name, 80)}"`;
  return verdict(false, false, [], `process_name ${shown}, and the analytic requires process_name=curl.`, []);
}

function verdict(match: boolean, isCurl: boolean, proxies: ProxyUse[], reason: string, notes: string[]): Verdict {
  return { match, mode: 'splunk', isCurl, proxies, routes: [], nearMisses: [], reason, notes };
}
