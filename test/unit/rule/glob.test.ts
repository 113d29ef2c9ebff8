import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, globFindLower, globMatch } from '../../../src/rule/glob.js';

describe('Splunk-style wildcard matching', () => {
  const table: [pattern: string, text: string, match: boolean][] = [
    ['*-x *', 'curl -x p', true],
    ['*-x *', 'CURL -X POST', true],
    ['*-x *', 'curl -xp', false],
    ['--proxy*', '--proxy http://p', true],
    ['--proxy*', 'curl --proxy http://p', false],
    ['--proxy*', '--PROXY', true],
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['a*c', 'ac', true],
    ['a*c', 'abc', true],
    ['a*c', 'acb', false],
    ['a*b*c', 'aXbYbZc', true],
    ['*aa', 'aa', true],
    ['aa*aa', 'aaa', false],
    ['aa*aa', 'aaaa', true],
    ['*', '', true],
    ['**', 'anything', true],
    ['', '', true],
    ['', 'x', false],
    ['*socks5h://*', 'curl -x SOCKS5H://p', true],
  ];
  for (const [pattern, text, match] of table) {
    it(`"${pattern}" ${match ? 'matches' : 'does not match'} "${text}"`, () => {
      assert.equal(globMatch(compileGlob(pattern), text), match);
    });
  }

  it('reports where the first literal piece matched', () => {
    assert.equal(globFindLower(compileGlob('*-x *'), 'curl -x p'), 5);
    assert.equal(globFindLower(compileGlob('--proxy*'), '--proxy p'), 0);
    assert.equal(globFindLower(compileGlob('*'), 'abc'), 0);
  });

  it('decides a megabyte of near-misses without backtracking blow-up', () => {
    const text = `${'-x'.repeat(500_000)}`;
    assert.equal(globMatch(compileGlob('*-x *'), text), false);
    assert.equal(globMatch(compileGlob('*a*a*a*a*a*b'), 'a'.repeat(1_000_000)), false);
  });
});
