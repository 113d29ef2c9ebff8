import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProxyValue, redactCredentials } from '../../../src/rule/proxy-url.js';

describe('proxy values', () => {
  const table: [value: string, defaultScheme: 'http' | 'socks4', expected: [string | null, string | null, number | null, string | null]][] = [
    ['http://proxy:8080', 'http', ['http', 'proxy', 8080, null]],
    ['proxy', 'http', ['http', 'proxy', 1080, null]],
    ['proxy', 'socks4', ['socks4', 'proxy', 1080, null]],
    ['https://proxy', 'http', ['https', 'proxy', 443, null]],
    ['SOCKS5H://p:1', 'http', ['socks5h', 'p', 1, null]],
    ['socks://p', 'http', ['socks4', 'p', 1080, null]],
    ['socks4a://p', 'http', ['socks4a', 'p', 1080, null]],
    ['[::1]:1080', 'http', ['http', '::1', 1080, null]],
    ['socks5://[fe80::1%25eth0]', 'http', ['socks5', 'fe80::1%25eth0', 1080, null]],
    ['u:p@h:2', 'http', ['http', 'h', 2, null]],
    ['http://u:p@w@h:3/path', 'http', ['http', 'h', 3, null]],
    ['h:notaport', 'http', ['http', 'h', null, null]],
    ['h:99999', 'http', ['http', 'h', null, null]],
    ['ftp://p', 'http', [null, 'p', 1080, 'curl rejects the unsupported proxy scheme ftp://']],
    ['http://', 'http', ['http', null, 1080, 'the proxy value names no host']],
    // The authority ends at the first / ? or #: an @ or a colon after it is not credentials or a port.
    ['http://h/p:1@x', 'http', ['http', 'h', 1080, null]],
    ['h?x@y:1', 'socks4', ['socks4', 'h', 1080, null]],
    ['a@b@c:5', 'http', ['http', 'c', 5, null]],
    ['u:p@h:1:2', 'http', ['http', 'h:1:2', 1080, null]],
    ['[::1', 'http', ['http', '::1', 1080, null]],
    ['[::1]:', 'http', ['http', '::1', 1080, null]],
    ['h:', 'http', ['http', 'h', 1080, null]],
    ['p:00080', 'http', ['http', 'p', 80, null]],
    ['p:65536', 'http', ['http', 'p', null, null]],
    ['SoCkS://p:0', 'http', ['socks4', 'p', 0, null]],
    ['http://u@', 'http', ['http', null, 1080, 'the proxy value names no host']],
    // A scheme is at most 40 characters and starts with a letter; anything else is a host name.
    [`${'a'.repeat(41)}://h`, 'http', ['http', 'a'.repeat(41), 1080, null]],
    ['1x://h', 'http', ['http', '1x', 1080, null]],
    ['x+y.z-w://h:2', 'http', [null, 'h', 2, 'curl rejects the unsupported proxy scheme x+y.z-w://']],
  ];
  for (const [value, def, [scheme, host, port, problem]] of table) {
    it(`"${value}" is scheme ${scheme}, host ${host}, port ${port}${problem === null ? '' : ', refused'}`, () => {
      const parsed = parseProxyValue(value, def);
      assert.deepEqual([parsed.scheme, parsed.host, parsed.port, parsed.problem], [scheme, host, port, problem]);
    });
  }

  it('redacts user and password wherever they are written', () => {
    assert.equal(parseProxyValue('socks5h://u:p@[2001:db8::1]:1080/path', 'http').url, 'socks5h://***@[2001:db8::1]:1080/path');
    assert.equal(parseProxyValue('http://@h', 'http').url, 'http://***@h');
    assert.equal(redactCredentials('socks5h://user:pass@h:1'), 'socks5h://***@h:1');
    assert.equal(redactCredentials('user@h'), '***@h');
    assert.equal(redactCredentials('http://h/path@x'), 'http://h/path@x');
    assert.equal(redactCredentials('h:1'), 'h:1');
  });

  it('cuts a huge value for display after redacting it', () => {
    const parsed = parseProxyValue(`${'u'.repeat(5000)}:pw@h`, 'http');
    assert.ok(parsed.url.startsWith('***@h'));
    const long = parseProxyValue(`h${'a'.repeat(5000)}`, 'http');
    assert.ok(long.url.length < 600 && long.url.includes('more characters'));
  });
});
