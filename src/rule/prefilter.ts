import type { RuleInput } from './types.js';
import { hasArgs } from './invocation.js';

/**
 * A cheap, sound pre-check for argv mode: false only when the full parser cannot find a
 * proxy. A proxy needs one of: a short-option word with a lower-case 'x' (-x, -sSx, -xhost),
 * a long-option word containing "pre", "prox" or "sock" in any case (every spelling of
 * --proxy, --preproxy, --socks*, --proxy1.0, abbreviated, case-changed or --expand-), or a
 * *_proxy / *_PROXY variable. Quotes and backslashes can hide those from a plain scan, so a
 * command line holding any of them always goes to the parser. Tested against the parser over
 * the unit-test table and the benchmark mix.
 */
export function mayUseProxy(input: RuleInput): boolean {
  for (const entry of input.envVars ?? []) if (mentionsProxyVariable(entry)) return true;
  if (hasArgs(input)) {
    for (const word of input.args) if (wordMayMatter(word, 0, word.length) || mentionsProxyVariable(word)) return true;
    return false;
  }
  const line = input.commandLine;
  if (line === undefined) return false;
  if (line.includes("'") || line.includes('"') || line.includes('\\') || mentionsProxyVariable(line)) return true;
  let from = 0;
  let nextX = -2; // position of the next 'x' at or after the current word; -1 when there is none
  for (;;) {
    const dash = line.indexOf('-', from);
    if (dash < 0) return false;
    if (dash > 0 && !isSeparator(line.charCodeAt(dash - 1))) {
      from = dash + 1;
      continue;
    }
    let end = dash + 1;
    while (end < line.length && !isSeparator(line.charCodeAt(end))) end++;
    if (end - dash >= 2 && line.charCodeAt(dash + 1) !== 0x2d) {
      // Remembering the next 'x' keeps a megabyte of short options linear.
      if (nextX !== -1 && nextX < dash) nextX = line.indexOf('x', dash);
      if (nextX >= 0 && nextX < end) return true;
    } else if (wordMayMatter(line, dash, end)) return true;
    from = end;
  }
}

function mentionsProxyVariable(text: string): boolean {
  return text.includes('_proxy=') || text.includes('_PROXY=');
}

/** Could text[start, end), a whole word, select a proxy as a curl option? */
function wordMayMatter(text: string, start: number, end: number): boolean {
  if (end - start < 2 || text.charCodeAt(start) !== 0x2d) return false;
  if (text.charCodeAt(start + 1) !== 0x2d) {
    const x = text.indexOf('x', start + 1);
    return x >= 0 && x < end;
  }
  const word = text.slice(start, end).toLowerCase();
  return word.includes('pre') || word.includes('prox') || word.includes('sock');
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x00;
}
