import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactCommandLine, redactEnv, redactWords } from '../../../src/rule/redact.js';
import { HOSTILE_LINES } from './hostile-lines.js';

/**
 * Redaction is linear on hostile input, proved by counting work, not by a clock. While a
 * line is redacted, the string and regular-expression primitives it reads characters with are
 * wrapped and every character they read is counted (a charCodeAt is one; indexOf, includes,
 * startsWith and lastIndexOf count what they scan; slice, toLowerCase and join what they
 * build). A regular expression counts its input, and may not see more than an option name's
 * worth of it: a backtracking one over the line is what made a megabyte of '--proxy' cost
 * 338 s, and its count alone would not show that. Linear work then means: four times the
 * input, at most about four times the count, and a fixed count per character.
 */

/** Longest text a regular expression may be run on (curl's longest option name is 26 characters). */
const MAX_REGEX_INPUT = 64;

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Runs `fn` with the primitives wrapped; returns the characters they read. */
function countSteps(fn: () => void): number {
  let steps = 0;
  const proto = String.prototype as unknown as Record<string, Method>;
  const saved: [object, string, Method][] = [];
  const wrap = (target: object, name: string, cost: (self: string, args: unknown[], result: unknown) => number): void => {
    const isString = target === proto;
    const original = (target as Record<string, Method>)[name] as Method;
    saved.push([target, name, original]);
    (target as Record<string, Method>)[name] = function (this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      steps += cost(isString ? String(this) : '', args, result); // String(array) would call join again
      return result;
    };
  };
  const from = (args: unknown[]): number => (typeof args[1] === 'number' ? Math.max(0, args[1]) : 0);
  wrap(proto, 'charCodeAt', () => 1);
  wrap(proto, 'indexOf', (self, args, result) => ((result as number) < 0 ? self.length : (result as number) + String(args[0]).length) - from(args));
  wrap(proto, 'lastIndexOf', (self) => self.length);
  wrap(proto, 'includes', (self, args) => self.length - from(args));
  wrap(proto, 'startsWith', (_self, args) => String(args[0]).length);
  wrap(proto, 'slice', (_self, _args, result) => (result as string).length);
  wrap(proto, 'toLowerCase', (self) => self.length);
  wrap(proto, 'split', (self) => self.length);
  wrap(Array.prototype, 'join', (_self, _args, result) => (result as string).length);
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function (this: RegExp, input: string): RegExpExecArray | null {
    const text = String(input);
    if (text.length > MAX_REGEX_INPUT) throw new Error(`a regular expression (/${this.source}/${this.flags}) ran on ${text.length} characters`);
    steps += text.length;
    return exec.call(this, text);
  };
  try {
    fn();
  } finally {
    RegExp.prototype.exec = exec;
    for (const [target, name, original] of saved.reverse()) (target as Record<string, Method>)[name] = original;
  }
  return steps;
}

const SMALL = 256 * 1024;
const LARGE = 1024 * 1024;
/** Characters read per input character: a few passes per level of nested script, with slack. */
const MAX_STEPS_PER_CHAR = 40;

describe('redaction does linear work on megabytes of hostile text (operation counts, no clock)', () => {
  it('the step counter sees a quadratic loop and a regular expression over a whole line', () => {
    const quadratic = (text: string): void => {
      for (let i = 0; i < text.length; i++) text.indexOf('@', i);
    };
    const small = countSteps(() => quadratic('-'.repeat(1000)));
    const large = countSteps(() => quadratic('-'.repeat(4000)));
    assert.ok(large > 12 * small, `${small} -> ${large}`);
    assert.throws(() => countSteps(() => /--[a-z-]*pass/.test('-'.repeat(1000))), /ran on 1000 characters/);
  });

  for (const family of HOSTILE_LINES) {
    it(`${family.name}: 4x the line is at most ~4x the work, and at most ${MAX_STEPS_PER_CHAR} reads per character`, () => {
      const small = family.make(SMALL);
      const large = family.make(LARGE);
      const a = countSteps(() => redactCommandLine(small));
      const b = countSteps(() => redactCommandLine(large));
      assert.ok(b <= 4.4 * Math.max(a, small.length) * (large.length / (4 * small.length)), `${a} steps for ${small.length} characters, ${b} for ${large.length}`);
      assert.ok(b <= MAX_STEPS_PER_CHAR * large.length, `${b} steps for ${large.length} characters`);
    });
  }

  it('argv words and environment snapshots: a megabyte of them is linear work too', () => {
    for (const word of ['--proxy', '-x', '-U', 'A=b', 'https_proxy=u:p@h', '--proxy=u:p@h', '-H', 'X-Token: t']) {
      const words = (n: number): string[] => ['curl', ...Array<string>(n).fill(word)];
      const n = Math.floor(LARGE / (word.length + 1));
      const a = countSteps(() => redactWords(words(Math.floor(n / 4))));
      const b = countSteps(() => redactWords(words(n)));
      assert.ok(b <= 4.4 * Math.max(a, n / 4) && b <= MAX_STEPS_PER_CHAR * LARGE, `${word}: ${a} -> ${b} steps`);
      const c = countSteps(() => redactEnv(Array<string>(n).fill(word)));
      assert.ok(c <= MAX_STEPS_PER_CHAR * LARGE, `${word} env: ${c} steps`);
    }
  });
});
