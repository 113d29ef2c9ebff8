import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { describeVerdict } from '../../../src/rule/describe.js';
import type { RuleOptions } from '../../../src/rule/types.js';

const FULL: RuleOptions = { mode: 'argv', noproxyStarDisables: true, fastPath: false };

describe('explain words a verdict for people', () => {
  it('says which URL went through which proxy, which went direct and why', () => {
    const lines = describeVerdict(evaluate({ processName: 'curl', args: ['curl', '--noproxy', 'example.com', '-x', 'http://p:3128', 'http://example.com/', 'https://example.org/'] }, FULL));
    assert.deepEqual(lines.filter((l) => l.startsWith('url ') || l.startsWith('  why:')), [
      'url 1: http://example.com/ -> direct',
      '  why:    Direct: --noproxy example.com lists example.com.',
      'url 2: https://example.org/ -> proxy via -x p:3128',
      '  why:    Through -x; --noproxy example.com does not list example.org.',
    ]);
  });

  it('marks a proxy curl refuses, and says it still counts', () => {
    const lines = describeVerdict(evaluate({ processName: 'curl', args: ['curl', '-x', 'ftp://p', 'https://a/'] }, FULL));
    assert.ok(lines.includes('  refused by curl: curl rejects the unsupported proxy scheme ftp:// (still a match: trying to tunnel is the behaviour)'), lines.join('\n'));
    assert.ok(lines.includes('  scheme: none curl accepts'), lines.join('\n'));
  });

  it('says when a URL cannot be judged and is counted as proxied', () => {
    const lines = describeVerdict(evaluate({ processName: 'curl', args: ['curl', '-x', 'p:1', '--noproxy', 'a', 'http://{a,b}/'] }, FULL));
    assert.ok(lines.some((l) => l === 'url 1: http://{a,b}/ -> unknown (counted as proxied)'), lines.join('\n'));
  });
});
