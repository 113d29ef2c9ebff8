import { redactWords } from '../../rule/redact.js';

/**
 * The argv of a process as a shell command line a reader can paste: words that a shell would
 * split or expand are single-quoted (`--noproxy '*'`, `-H 'Content-Type: application/json'`),
 * the rest left bare. Credentials are hidden first, as in findings; the `***` of a hidden
 * credential is not a glob and stays unquoted.
 */
export function quotedCommandLine(args: readonly string[]): string {
  return redactWords(args).map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word.replace(/\*\*\*@/g, '@'))) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Column limits of the findings table: the command line may be wider than the rest. */
const maxWidth = (column: number, last: number) => (column === last ? 70 : 40);

/**
 * A plain-text table: a header, a rule of dashes, one line per row. Cells longer than their
 * column limit end with `…`; no line has trailing blanks.
 */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const last = head.length - 1;
  const widths = head.map((h, i) => Math.min(maxWidth(i, last), Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const cell = (c: string, i: number) => {
    const w = widths[i] ?? 0;
    return c.length > w ? `${c.slice(0, w - 1)}…` : c.padEnd(w);
  };
  const line = (cells: readonly string[]) => cells.map(cell).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}
