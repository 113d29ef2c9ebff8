import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIpv6, normalizeIpv4, formatIpv4, parseIpv4Strict, parseIpv6Strict } from '../../../src/rule/inet.js';
import { connectHost, urlTarget, type UrlContext } from '../../../src/rule/url-host.js';

/**
 * Rows with a host were checked against curl 7.88.1 in `unshare -rn` (NO_PROXY=<that host> sends
 * the URL direct); rows without one are URLs curl refuses, or whose host it decodes, converts
 * or expands first, so the rule cannot compare them as written.
 */
const PLAIN: UrlContext = { protoDefault: null, globbing: true };

describe('the host and scheme curl reads from a URL', () => {
  const table: [url: string, scheme: string | null, host: string | null, kind?: string][] = [
    ['http://example.com/', 'http', 'example.com'],
    ['HTTP://Example.COM/', 'http', 'Example.COM'],
    ['https://user:pw@example.com:8443/x?y#z', 'https', 'example.com'],
    ['example.com', 'http', 'example.com'],
    ['example.com/a:b@c', 'http', 'example.com'],
    ['example.com?x@y', 'http', 'example.com'],
    ['example.com#x@y', 'http', 'example.com'],
    ['u@FTP.example.com/x', 'ftp', 'FTP.example.com'],
    ['dict.example.com', 'dict', 'dict.example.com'],
    ['ftpx.example.com', 'http', 'ftpx.example.com'],
    ['http:/example.com', 'http', 'example.com'],
    ['http:///example.com', 'http', 'example.com'],
    ['http://example.com:', 'http', 'example.com'],
    ['http://example.com:/', 'http', 'example.com'],
    ['http://example.com.:80/', 'http', 'example.com.'],
    ['http://x.invalid:9\\@evil.invalid/', 'http', 'evil.invalid'],
    ['http://127.1:9/', 'http', '127.0.0.1', 'ipv4'],
    ['http://0x7f.0.0.1/', 'http', '127.0.0.1', 'ipv4'],
    ['http://0177.0.0.1/', 'http', '127.0.0.1', 'ipv4'],
    ['http://2130706433/', 'http', '127.0.0.1', 'ipv4'],
    ['http://0x7F000001/', 'http', '127.0.0.1', 'ipv4'],
    ['http://1.2.3/', 'http', '1.2.0.3', 'ipv4'],
    ['127.0.0.1:9/x', 'http', '127.0.0.1', 'ipv4'],
    ['http://127.0.0.1./', 'http', '127.0.0.1.', 'name'],
    ['http://999.1.1.1/', 'http', '999.1.1.1', 'name'],
    ['http://[::1]:9/', 'http', '::1', 'ipv6'],
    ['http://[0:0::1]/', 'http', '::1', 'ipv6'],
    ['http://[::ABCD]/', 'http', '::ABCD', 'ipv6'],
    ['http://[fe80::1%25lo]:9/', 'http', 'fe80::1', 'ipv6'],
    ['http://[fe80::1%lo]/', 'http', 'fe80::1', 'ipv6'],
    ['http://[::ffff:0:0]/', 'http', '::ffff:0:0', 'ipv6'],
    ['[::1]:8080/x', 'http', '::1', 'ipv6'],
    ['file:///etc/passwd', 'file', null],
    // curl refuses these, or decodes or converts the host first: unknown.
    ['http://a@b@example.com/', 'http', null],
    ['http:////example.com/', 'http', null],
    ['http://example.com:65536/', 'http', null],
    ['http://example.com:8x/', 'http', null],
    ['example.com:', null, null],
    ['http://', 'http', null],
    ['http://[::1/', 'http', null],
    ['http://[::1]x/', 'http', null],
    ['http://[::g]/', 'http', null],
    ['http://ex%61mple.com/', 'http', null],
    ['http://exämple.com/', 'http', null],
    ['http://a b/', 'http', null],
    ['http://{a,b}.example.com/', 'http', null],
    ['{http,ftp}://example.com/', null, null],
    ['http://example.com/[1-3]', 'http', 'example.com'],
    ['http://u[1-2]@example.com/', 'http', null],
  ];
  for (const [url, scheme, host, kind] of table) {
    it(`${url} -> ${scheme ?? '?'}://${host ?? '(unknown)'}`, () => {
      const target = urlTarget(url, PLAIN);
      assert.deepEqual([target.scheme, target.host], [scheme, host], JSON.stringify(target));
      if (kind !== undefined) assert.equal(target.kind, kind);
      assert.equal(target.why === null, host !== null);
    });
  }

  it('--proto-default gives URLs without a scheme theirs', () => {
    assert.deepEqual(urlTarget('example.com/x', { protoDefault: 'HTTPS', globbing: true }), { scheme: 'https', host: 'example.com', kind: 'name', why: null });
    assert.equal(urlTarget('ftp://example.com', { protoDefault: 'https', globbing: true }).scheme, 'ftp');
    assert.equal(urlTarget('example.com:', { protoDefault: 'https', globbing: true }).host, 'example.com');
  });

  it('under -g/--globoff braces are literal characters, which curl refuses in a host', () => {
    const target = urlTarget('http://{a,b}.example.com/', { protoDefault: null, globbing: false });
    assert.equal(target.host, null);
    assert.match(target.why ?? '', /refuses/);
  });

  it('leaves a host name longer than 255 characters unknown', () => {
    assert.equal(urlTarget(`http://${'a.'.repeat(130)}com/`, PLAIN).host, null);
  });
});

describe('IP address text as curl reads and writes it', () => {
  it('inet_pton(AF_INET) is strict: four decimal parts, no leading zeros', () => {
    assert.equal(parseIpv4Strict('10.0.0.1'), 0x0a000001);
    assert.equal(parseIpv4Strict('255.255.255.255'), 0xffffffff);
    for (const bad of ['10.0.0', '10.0.0.01', '10.0.0.256', '10.0.0.1.', '1.2.3.4/8', '', ' 1.2.3.4', '0x1.2.3.4']) assert.equal(parseIpv4Strict(bad), -1, bad);
  });

  it('the URL parser normalises IPv4 written in 1 to 4 decimal, octal or hex parts', () => {
    const table: [string, string | null][] = [
      ['127.1', '127.0.0.1'], ['0x7f.1', '127.0.0.1'], ['0', '0.0.0.0'], ['4294967295', '255.255.255.255'], ['4294967296', null],
      ['1.16777215', '1.255.255.255'], ['1.16777216', null], ['1.2.65535', '1.2.255.255'], ['08', null], ['0x', null], ['1..2', null],
      ['1.2.3.4.', null], ['1.2.3.4.5', null], ['256.1.1.1', null], ['a.1', null], [`1${'0'.repeat(40)}`, null],
    ];
    for (const [text, expected] of table) {
      const address = normalizeIpv4(text);
      assert.equal(address < 0 ? null : formatIpv4(address), expected, text);
    }
  });

  it('inet_ntop(AF_INET6) writes the form glibc writes', () => {
    const table: [string, string][] = [
      ['0:0:0:0:0:ffff:7f00:1', '::ffff:127.0.0.1'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], ['1:0:0:0:1:0:0:1', '1::1:0:0:1'],
      ['0:0:0:0:0:0:1.2.3.4', '::1.2.3.4'], ['::0.0.0.1', '::1'], ['1::', '1::'], ['::ffff:0:0', '::ffff:0.0.0.0'], ['::', '::'],
      ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['ABCD:0:0::0001', 'abcd::1'],
    ];
    for (const [text, expected] of table) assert.equal(formatIpv6(parseIpv6Strict(text) as number[]), expected, text);
  });

  it('inet_pton(AF_INET6) refuses what glibc refuses', () => {
    for (const bad of [':', ':::', '1:', ':1', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '::1.2.3', '::1.2.3.04', 'g::', '[::1]', '::1%lo']) {
      assert.equal(parseIpv6Strict(bad), null, bad);
    }
  });

  it('the host curl connects to for a proxy host', () => {
    assert.equal(connectHost('127.1'), '127.0.0.1');
    assert.equal(connectHost('0:0::ffff:127.1.0.9'), '::ffff:127.1.0.9');
    assert.equal(connectHost('Proxy.Example'), 'Proxy.Example');
  });
});
