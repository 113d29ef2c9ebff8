/**
 * Splunk-style wildcard patterns: `*` matches any sequence (also empty), matching is
 * case-insensitive and covers the whole value, so "--proxy*" is anchored at the start.
 * Implemented by splitting on `*` and searching the pieces in order with indexOf: for a
 * pattern made only of literals and `*`, the leftmost match of each piece is always a safe
 * choice, so no backtracking is needed and the cost stays linear in practice (indexOf is
 * O(n·m) at worst for a piece of length m), whatever the text.
 */

/** A compiled wildcard pattern. */
export interface Glob {
  /** The pattern as given. */
  readonly source: string;
  /** The literal pieces between the stars, lower-cased. */
  readonly parts: readonly string[];
}

/** Compiles a wildcard pattern once; reuse the result for many texts. */
export function compileGlob(pattern: string): Glob {
  return { source: pattern, parts: pattern.toLowerCase().split('*') };
}

/**
 * Matches a text that the caller already lower-cased (so one lower-casing serves many patterns).
 * Returns the index where the first literal piece matched (0 for a pattern of only stars), or -1.
 */
export function globFindLower(glob: Glob, lowerText: string): number {
  const { parts } = glob;
  const count = parts.length;
  const first = parts[0] ?? '';
  if (count === 1) return lowerText === first ? 0 : -1;
  if (!lowerText.startsWith(first)) return -1;
  let pos = first.length;
  let firstHit = first.length > 0 ? 0 : -1;
  for (let k = 1; k < count - 1; k++) {
    const piece = parts[k] ?? '';
    if (piece.length === 0) continue;
    const at = lowerText.indexOf(piece, pos);
    if (at < 0) return -1;
    if (firstHit < 0) firstHit = at;
    pos = at + piece.length;
  }
  const last = parts[count - 1] ?? '';
  if (last.length > 0) {
    const at = lowerText.length - last.length;
    // The last piece must sit at the very end and must not overlap what the earlier pieces used.
    if (at < pos || !lowerText.endsWith(last)) return -1;
    if (firstHit < 0) firstHit = at;
  }
  return firstHit < 0 ? 0 : firstHit;
}

/** True when the whole text matches the pattern, case-insensitively. */
export function globMatch(glob: Glob, text: string): boolean {
  return globFindLower(glob, text.toLowerCase()) >= 0;
}
