import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandLineToArgv } from '../../../src/replay/windows-argv.js';

describe('commandLineToArgv splits like the Sysmon for Linux integration (Windows rules)', () => {
  const cases: [name: string, commandLine: string, argv: string[]][] = [
    ['splits on spaces', 'curl -x socks5h://p:1080 https://a', ['curl', '-x', 'socks5h://p:1080', 'https://a']],
    ['collapses runs of spaces and tabs', '  curl \t -x\tp  ', ['curl', '-x', 'p']],
    ['returns nothing for an empty line', '', []],
    ['groups words in double quotes', 'curl -H "X-A: b c" https://a', ['curl', '-H', 'X-A: b c', 'https://a']],
    ['does not treat single quotes as quotes (unlike a shell)', "curl --noproxy '*' -x p", ['curl', '--noproxy', "'*'", '-x', 'p']],
    ['splits a single-quoted value with spaces into several words', "curl -H 'A: b' u", ['curl', '-H', "'A:", "b'", 'u']],
    ['joins quoted and unquoted parts of one word', 'a"b c"d', ['ab cd']],
    ['keeps backslashes that are not before a quote', 'a\\b c\\\\d', ['a\\b', 'c\\\\d']],
    ['turns \\" into a literal quote', 'a\\"b', ['a"b']],
    ['halves an even run of backslashes before a quote, which then toggles', 'a\\\\"b c"', ['a\\b c']],
    ['halves an odd run and keeps the quote literal', 'a\\\\\\"b', ['a\\"b']],
    ['reads "" inside quotes as a literal quote that also ends the quoting (the pre-2008 rule)', '"a""b c', ['a"b', 'c']],
    ['keeps trailing backslashes', 'a\\\\', ['a\\\\']],
    ['ends an unterminated quote at the end of the line', 'curl "a b', ['curl', 'a b']],
    ['keeps an empty quoted word', 'curl "" x', ['curl', '', 'x']],
  ];
  for (const [name, commandLine, argv] of cases) it(name, () => assert.deepEqual(commandLineToArgv(commandLine), argv));
});
