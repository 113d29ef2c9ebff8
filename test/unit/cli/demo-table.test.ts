import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quotedCommandLine, textTable } from '../../../src/cli/commands/demo-table.js';
import { shellSplit } from '../../../src/rule/shell-split.js';

describe('the demo table', () => {
  const cases: [string, string[], string][] = [
    ['a glob the shell would expand', ['curl', '--noproxy', '*', '-x', 'http://p:3128', 'https://a/'], "curl --noproxy '*' -x http://p:3128 https://a/"],
    ['a header with a blank', ['curl', '-H', 'Content-Type: application/json', 'https://a/'], "curl -H 'Content-Type: application/json' https://a/"],
    ['JSON with double quotes', ['curl', '-d', '{"proxy":"socks5://x"}', 'https://a/'], `curl -d '{"proxy":"socks5://x"}' https://a/`],
    ['a single quote', ['curl', '-d', "it's", 'https://a/'], `curl -d 'it'\\''s' https://a/`],
    ['an empty word', ['curl', '--noproxy', '', 'https://a/'], "curl --noproxy '' https://a/"],
    ['a curl variable', ['curl', '--expand-proxy', '{{p}}', 'https://a/'], "curl --expand-proxy '{{p}}' https://a/"],
    ['a hidden credential, left unquoted', ['curl', '-x', 'http://user:s3cret@p:3128', 'https://a/'], 'curl -x http://***@p:3128 https://a/'],
  ];
  for (const [name, args, expected] of cases) {
    it(`quotes ${name} as a shell needs it`, () => {
      const line = quotedCommandLine(args);
      assert.equal(line, expected);
      if (!line.includes('***')) assert.deepEqual(shellSplit(line).tokens, args, 'the shell reads back the same argv');
    });
  }

  it('pads columns, cuts long cells with …, and leaves no trailing blanks', () => {
    const lines = textTable(['a', 'command line'], [['x', 'short'], ['yy', 'c'.repeat(80)]]);
    assert.deepEqual(lines, ['a   command line', '--  ' + '-'.repeat(70), 'x   short', `yy  ${'c'.repeat(69)}…`]);
  });
});
