import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CURL_OPTION_ROWS } from '../../../src/rule/curl-option-table.js';
import { findExactWord, findLongOption, findShortCode, findShortOption, takesValue } from '../../../src/rule/curl-options.js';

describe("curl's option table", () => {
  it('is sorted by name, as the prefix search needs', () => {
    const names = CURL_OPTION_ROWS.map(([name]) => name);
    assert.deepEqual([...names].sort(), names);
  });

  it('has no duplicate names or letters', () => {
    const names = CURL_OPTION_ROWS.map(([name]) => name);
    const letters = CURL_OPTION_ROWS.flatMap(([, , letter]) => (letter === undefined ? [] : [letter]));
    assert.equal(new Set(names).size, names.length);
    assert.equal(new Set(letters).size, letters.length);
  });

  it('knows which short letters take a value', () => {
    const valued = 'AbcCdDeEFhHKmoPQrtTuUwxXyYz'.split('');
    const flags = '#:012346aBfgGiIjJklLMnNOpqRsSvVZ'.split('');
    for (const letter of valued) assert.equal(takesValue(findShortOption(letter)!), true, letter);
    for (const letter of flags) assert.equal(takesValue(findShortOption(letter)!), false, letter);
    assert.equal(findShortOption('W'), undefined);
  });

  const lookups: [word: string, expected: string | null, how?: string][] = [
    ['proxy', 'proxy', 'exact'],
    ['PROXY', 'proxy', 'case'],
    ['Socks5-Hostname', 'socks5-hostname', 'case'],
    ['preprox', 'preproxy', 'prefix'],
    ['pre', 'preproxy', 'prefix'],
    ['socks5-h', 'socks5-hostname', 'prefix'],
    ['proxy1', 'proxy1.0', 'prefix'],
    ['socks4', 'socks4', 'exact'],
    ['prox', null],
    ['socks5-', null],
    ['nosuchoption', null],
  ];
  for (const [word, expected, how] of lookups) {
    it(`--${word} ${expected === null ? 'is ambiguous or unknown' : `is --${expected} (${how})`}`, () => {
      const found = findLongOption(word);
      if (expected === null) assert.equal(found.found, false);
      else assert.deepEqual(found.found ? [found.spec.name, found.how] : null, [expected, how]);
    });
  }

  it('has no name that starts like a prefix (no-, expand-) or holds =, so a whole-word hit is always an exact use', () => {
    for (const [name] of CURL_OPTION_ROWS) {
      assert.ok(!name.startsWith('no-') && !name.startsWith('expand-') && !name.includes('='), name);
    }
  });

  it('finds an option by its whole word only when written exactly', () => {
    assert.equal(findExactWord('--proxy')?.name, 'proxy');
    assert.equal(findExactWord('--socks5-hostname')?.canonical, '--socks5-hostname');
    for (const word of ['--PROXY', '--prox', '--proxy=p', '--no-proxy', '--expand-proxy', 'proxy', '-x', '--']) {
      assert.equal(findExactWord(word), undefined, word);
    }
  });

  it('finds short options by character code, with the written form precomputed', () => {
    assert.equal(findShortCode('x'.charCodeAt(0))?.short, '-x');
    assert.equal(findShortCode('X'.charCodeAt(0))?.name, 'request');
    assert.equal(findShortCode('W'.charCodeAt(0)), undefined);
    assert.equal(findShortCode(0xe9), undefined);
    assert.equal(findShortCode(0xd800), undefined);
  });

  it('lists the candidates of an ambiguous abbreviation', () => {
    const found = findLongOption('socks5-g');
    assert.equal(found.found, false);
    if (!found.found) assert.deepEqual(found.candidates.map((c) => c.name), ['socks5-gssapi', 'socks5-gssapi-nec', 'socks5-gssapi-service']);
  });
});
