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
    // curl's host starts after the first '@', so a second one makes it refuse the value (still shown as after the last).
    ['http://u:p@w@h:3/path', 'http', ['http', 'h', 3, "the proxy's host holds an '@' (curl's credentials end at the first one): curl refuses it"]],
    ['h:notaport', 'http', ['http', 'h', null, 'the proxy port is not a number from 0 to 65535: curl refuses it']],
    ['h:99999', 'http', ['http', 'h', null, 'the proxy port is not a number from 0 to 65535: curl refuses it']],
    ['ftp://p', 'http', [null, 'p', 1080, 'curl rejects the unsupported proxy scheme ftp://']],
    ['http://', 'http', ['http', null, 1080, 'the proxy value names no host']],
    // The authority ends at the first / ? or #: an @ or a colon after it is not credentials or a port.
    ['http://h/p:1@x', 'http', ['http', 'h', 1080, null]],
    ['h?x@y:1', 'socks4', ['socks4', 'h', 1080, null]],
    ['a@b@c:5', 'http', ['http', 'c', 5, "the proxy's host holds an '@' (curl's credentials end at the first one): curl refuses it"]],
    ['u:p@h:1:2', 'http', ['http', 'h:1:2', 1080, 'curl reads the port from the first ":" (an IPv6 proxy needs [brackets]) and refuses it']],
    ['[::1', 'http', ['http', '::1', 1080, 'an IPv6 proxy address without its closing ]: curl refuses it']],
    ['[::1]:', 'http', ['http', '::1', 1080, 'an empty port after a proxy without a scheme: curl refuses it']],
    ['http://[::1]:', 'http', ['http', '::1', 1080, null]],
    // An empty port is fine after a scheme only (urlapi.c Curl_parse_port).
    ['h:', 'http', ['http', 'h', 1080, 'an empty port after a proxy without a scheme: curl refuses it']],
    ['http://h:', 'http', ['http', 'h', 1080, null]],
    ['p:00080', 'http', ['http', 'p', 80, null]],
    ['p:65536', 'http', ['http', 'p', null, 'the proxy port is not a number from 0 to 65535: curl refuses it']],
    ['SoCkS://p:0', 'http', ['socks4', 'p', 0, null]],
    ['http://u@', 'http', ['http', null, 1080, 'the proxy value names no host']],
    // A scheme is at most 40 characters and starts with a letter; anything else is a host name.
    [`${'a'.repeat(41)}://h`, 'http', ['http', 'a'.repeat(41), 1080, 'an empty port after a proxy without a scheme: curl refuses it']],
    ['1x://h', 'http', ['http', '1x', 1080, 'an empty port after a proxy without a scheme: curl refuses it']],
    ['x+y.z-w://h:2', 'http', [null, 'h', 2, 'curl rejects the unsupported proxy scheme x+y.z-w://']],
    // What else curl's URL parser refuses in a proxy value (checked against curl 7.88.1).
    ['ftp.p.example:3128', 'http', ['http', 'ftp.p.example', 3128, 'curl reads a proxy written without a scheme whose host starts with "ftp." as ftp:// and rejects that scheme']],
    ['u@FTP.p.example', 'socks4', ['socks4', 'FTP.p.example', 1080, 'curl reads a proxy written without a scheme whose host starts with "ftp." as ftp:// and rejects that scheme']],
    ['http://ftp.p.example', 'http', ['http', 'ftp.p.example', 1080, null]],
    ['pop3.p.example', 'http', ['http', 'pop3.p.example', 1080, 'curl reads a proxy written without a scheme whose host starts with "pop3." as pop3:// and rejects that scheme']],
    ['ftpx.p.example', 'http', ['http', 'ftpx.p.example', 1080, null]],
    ['::ffff:127.1.0.1', 'http', ['http', '::ffff:127.1.0.1', 1080, 'curl reads the port from the first ":" (an IPv6 proxy needs [brackets]) and refuses it']],
    ['http:/p:1', 'http', ['http', 'p', 1, null]],
    ['http:///p:1', 'http', ['http', 'p', 1, null]],
    ['http:////p', 'http', ['http', null, 1080, 'curl refuses a proxy URL with more than three slashes after the scheme']],
    ['socks5h:p', 'http', ['http', 'socks5h', null, 'the proxy port is not a number from 0 to 65535: curl refuses it']],
    ['p!q:1', 'http', ['http', 'p!q', 1, 'the proxy host holds a character curl refuses in a host name']],
    ['[::1]x', 'http', ['http', '::1', 1080, 'text after the IPv6 proxy address: curl refuses it']],
    ['p%2eexample:1', 'http', ['http', 'p%2eexample', 1, null]],
    ['999.1.1.1:1', 'http', ['http', '999.1.1.1', 1, null]],
    ['p:0', 'http', ['http', 'p', 0, null]],
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
