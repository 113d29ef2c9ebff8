import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CURL_OPTION_ROWS } from '../../../src/rule/curl-option-table.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { argvCandidates } from '../../../src/source/argv-pushdown.js';

/**
 * The push-down's argv conditions against the rule itself, word by word, without
 * Elasticsearch (test/integration/argv-pushdown.test.ts runs them there): every option word
 * that makes argv mode pick a proxy must satisfy some condition, and the words that cannot
 * (the over-matches of the first version) must not.
 */

type Test = (word: string) => boolean;

/** The conditions on process.args, as JavaScript tests (Lucene's regexp syntax here is a subset of JavaScript's). */
function argsConditions(): Test[] {
  const tests: Test[] = [];
  const visit = (q: unknown): void => {
    if (Array.isArray(q)) return q.forEach(visit);
    if (q === null || typeof q !== 'object') return;
    const node = q as Record<string, unknown>;
    const regexp = node.regexp as Record<string, { value: string; case_insensitive?: boolean }> | undefined;
    const term = node.term as Record<string, { value: string; case_insensitive?: boolean }> | undefined;
    const r = regexp?.['process.args'];
    if (r !== undefined) {
      const re = new RegExp(`^(?:${r.value})$`, r.case_insensitive === true ? 'is' : 's');
      tests.push((w) => re.test(w));
    }
    const t = term?.['process.args'];
    if (t !== undefined) tests.push((w) => (t.case_insensitive === true ? w.toLowerCase() === t.value.toLowerCase() : w === t.value));
    Object.values(node).forEach(visit);
  };
  visit(argvCandidates());
  return tests;
}

const conditions = argsConditions();
const fetched = (word: string): boolean => conditions.some((test) => test(word));

/** Does argv mode see a proxy in `curl <words> https://a`? */
function picksProxy(words: readonly string[]): boolean {
  return evaluate({ processName: 'curl', args: ['curl', ...words, 'https://a'] }, { mode: 'argv', noproxyStarDisables: true }).match;
}

/** Every long spelling: each option name and each of its prefixes, plain, --expand- and --no-, in three cases. */
function longWords(): string[] {
  const out = new Set<string>();
  for (const [name] of CURL_OPTION_ROWS) {
    for (let end = 1; end <= name.length; end++) {
      const stem = name.slice(0, end);
      for (const cased of [stem, stem.toUpperCase(), stem.charAt(0).toUpperCase() + stem.slice(1)]) {
        for (const lead of ['--', '--expand-', '--no-']) out.add(`${lead}${cased}`);
      }
    }
  }
  return [...out];
}

/** Short clusters of up to two letters before an x, and x with an attached value. */
function shortWords(): string[] {
  const letters = [...new Set(CURL_OPTION_ROWS.flatMap(([, , letter]) => (letter === undefined ? [] : [letter])))];
  const out = ['-x', '-xp:1', '-X', '-xX'];
  for (const a of letters) {
    out.push(`-${a}x`, `-${a}xp:1`, `-x${a}`);
    for (const b of letters) out.push(`-${a}${b}x`);
  }
  return out;
}

describe('the argv push-down conditions on argv words', () => {
  it('fetch every long option spelling that makes argv mode pick a proxy, with a separate or an =value', () => {
    let proxies = 0;
    for (const word of longWords()) {
      for (const words of [[word, 'p:1'], [`${word}=p:1`]]) {
        if (!picksProxy(words)) continue;
        proxies++;
        assert.ok(words.some(fetched), `argv mode picks a proxy from ${JSON.stringify(words)} but no condition fetches it`);
      }
    }
    assert.ok(proxies > 50, `expected many proxy spellings, got ${proxies}`);
  });

  it('fetch every short cluster that makes argv mode pick a proxy', () => {
    let proxies = 0;
    for (const word of shortWords()) {
      const words = [word, 'p:1'];
      if (!picksProxy(words)) continue;
      proxies++;
      assert.ok(fetched(word), `argv mode picks a proxy from ${JSON.stringify(words)} but no condition fetches it`);
    }
    assert.ok(proxies > 50, `expected many proxy clusters, got ${proxies}`);
  });

  it('leave out option words that cannot select a proxy', () => {
    for (const word of ['--max-time', '--compressed', '--noproxy', '--proxy-user', '--proxytunnel', '--socks5-basic', '-X', '-o', '-Xx', '-ox', '--prox', '--p', '--no-proxy', 'socks5://p:1']) {
      assert.equal(fetched(word), false, `${word} is fetched`);
    }
  });

  it('fetch argv[0] env in its usual spellings', () => {
    for (const word of ['env', 'ENV', '/usr/bin/env', '/bin/env']) assert.ok(fetched(word), word);
  });
});
