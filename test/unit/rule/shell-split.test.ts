import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../support/random.js';
import { shellSplit } from '../../../src/rule/shell-split.js';

describe('POSIX shell word splitting', () => {
  const table: [name: string, text: string, words: string[]][] = [
    ['spaces, tabs and newlines separate words', 'a  b\tc\nd', ['a', 'b', 'c', 'd']],
    ['single quotes keep everything literal', `a 'b "c" \\d $e'`, ['a', 'b "c" \\d $e']],
    ['double quotes keep spaces and drop the quotes', 'a "b c"', ['a', 'b c']],
    ['in double quotes a backslash escapes " \\ $ and backtick', 'x "a\\"b\\\\c\\$d\\`e"', ['x', 'a"b\\c$d`e']],
    ['in double quotes other backslashes stay', 'x "a\\nb"', ['x', 'a\\nb']],
    ['outside quotes a backslash escapes the next character', 'a\\ b c\\"d', ['a b', 'c"d']],
    ['backslash-newline is a line continuation', 'a\\\nb c', ['ab', 'c']],
    ['quotes join adjacent parts into one word', `-"x"'p'q`, ['-xpq']],
    ['empty quotes make an empty word', `curl -x "" ''`, ['curl', '-x', '', '']],
    ['a trailing backslash stays literal', 'a b\\', ['a', 'b\\']],
    ['shell operators are ordinary characters', 'a;b|c&d >e', ['a;b|c&d', '>e']],
    ['an empty text has no words', '', []],
    ['only spaces have no words', '   ', []],
  ];
  for (const [name, text, words] of table) {
    it(name, () => {
      assert.deepEqual(shellSplit(text).tokens, words);
    });
  }

  it('an unbalanced single quote takes the rest as the last word and says so', () => {
    const result = shellSplit("curl -x 'socks5://p https://a");
    assert.deepEqual(result.tokens, ['curl', '-x', 'socks5://p https://a']);
    assert.equal(result.unbalancedQuote, "'");
  });

  it('an unbalanced double quote takes the rest as the last word and says so', () => {
    const result = shellSplit('curl -H "a b');
    assert.deepEqual(result.tokens, ['curl', '-H', 'a b']);
    assert.equal(result.unbalancedQuote, '"');
  });

  it('text without quoting splits on every run of separators, whichever path splits it', () => {
    const rand = prng(11);
    const pieces = ['a', 'bc', '-x', ' ', ' ', '  ', '\t', '\n', '\0', 'é', '\uD800', 'https://h/p', '='];
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let j = Math.floor(rand() * 12); j > 0; j--) text += pieces[Math.floor(rand() * pieces.length)];
      const expected = text.split(/[ \t\n\0]+/).filter((word) => word !== '');
      const result = shellSplit(text);
      assert.deepEqual(result.tokens, expected, JSON.stringify(text));
      assert.equal(result.sawNul, text.includes('\0'), JSON.stringify(text));
      assert.equal(result.unbalancedQuote, null);
    }
  });

  it('NUL bytes separate words, as in /proc/<pid>/cmdline', () => {
    const result = shellSplit('curl\0-x\0p\0');
    assert.deepEqual(result.tokens, ['curl', '-x', 'p']);
    assert.equal(result.sawNul, true);
  });
});
