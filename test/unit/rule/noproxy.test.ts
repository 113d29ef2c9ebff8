import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileNoProxy, listedBy } from '../../../src/rule/noproxy.js';
import type { HostKind } from '../../../src/rule/url-host.js';

/**
 * The no-proxy matcher, table-driven. The first table is curl's own tests/unit/unit1614.c
 * (Curl_check_noproxy, Curl_cidr4_match, Curl_cidr6_match), with the host as lib/url.c hands
 * it over (IPv6 without brackets). Where curl 7.88.1 and current curl answer differently, the
 * expectation is what both answer, else "not listed" (the rule errs towards proxied), and the
 * row says so.
 */

type Row = [host: string, kind: HostKind, list: string, listed: boolean, note: string | undefined];

const v4 = (host: string, list: string, listed: boolean, note?: string): Row => [host, 'ipv4', list, listed, note];
const v6 = (host: string, list: string, listed: boolean, note?: string): Row => [host, 'ipv6', list, listed, note];
const name = (host: string, list: string, listed: boolean, note?: string): Row => [host, 'name', list, listed, note];

const LONG_ADDRESS_128 =
  '127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.';
const LONG_ADDRESS_127 = LONG_ADDRESS_128.slice(0, -1);

const UNIT1614: readonly Row[] = [
  // Curl_cidr4_match(address, network, bits), as one-entry lists "network/bits".
  v4('192.160.0.1', '192.160.0.1/33', false),
  v4('192.160.0.1', '192.160.0.1/32', true),
  v4('192.160.0.1', '192.160.0.1/0', true, '/0 compares the whole address'),
  v4('192.160.0.1', '192.160.0.1/24', true),
  v4('192.160.0.1', '192.160.0.1/26', true),
  v4('192.160.0.1', '192.160.0.1/20', true),
  v4('192.160.0.1', '192.160.0.1/18', true),
  v4('192.160.0.1', '192.160.0.1/12', true),
  v4('192.160.0.1', '192.160.0.1/8', true),
  v4('192.160.0.1', '10.0.0.1/8', false),
  v4('192.160.0.1', '10.0.0.1/32', false),
  v4('192.160.0.1', '10.0.0.1/0', false),
  // Curl_cidr6_match: current curl compares IPv6 as addresses, 7.88.1 as text (lib/url.c hands
  // over "::1" without brackets, which its noproxy.c reads as a host name).
  v6('::1', '::1', true),
  v6('::1', '::1/128', false, 'current curl: listed; 7.88.1: not (text comparison)'),
  v6('::1', '0:0::1/128', false, 'current curl: listed; 7.88.1: not'),
  v6('::1', '0:0::1/129', false),
  v6('fe80::ab47:4396:55c9:8474', 'fe80::ab47:4396:55c9:8474/64', false, 'current curl: listed; 7.88.1: not'),
  // Curl_check_noproxy(name, list).
  name('www.example.com', 'localhost .example.com .example.de', false, '7.88.1: listed (blank-separated names); current curl stops after "localhost"'),
  name('www.example.com', 'localhost,.example.com,.example.de', true),
  name('www.example.com.', 'localhost,.example.com,.example.de', true),
  name('example.com', 'localhost,.example.com,.example.de', true),
  name('example.com.', 'localhost,.example.com,.example.de', true),
  name('www.example.com', 'localhost,.example.com.,.example.de', true),
  name('www.example.com', 'localhost,www.example.com.,.example.de', true),
  name('example.com', 'localhost,example.com,.example.de', true),
  name('example.com.', 'localhost,example.com,.example.de', true),
  name('nexample.com', 'localhost,example.com,.example.de', false),
  name('www.example.com', 'localhost,example.com,.example.de', true),
  v4('127.0.0.1', '127.0.0.1,localhost', true),
  v4('127.0.0.1', '127.0.0.1,localhost,', true),
  v4('127.0.0.1', '127.0.0.1/8,localhost,', true),
  v4('127.0.0.1', '127.0.0.1/28,localhost,', true),
  v4('127.0.0.1', '127.0.0.1/31,localhost,', true),
  v4('127.0.0.1', 'localhost,127.0.0.1', true),
  v4('127.0.0.1', `localhost,${LONG_ADDRESS_128}`, false),
  v4('127.0.0.1', `localhost,${LONG_ADDRESS_127}`, false),
  name('localhost', 'localhost,127.0.0.1', true),
  name('localhost', '127.0.0.1,localhost', true),
  name('foobar', 'barfoo', false),
  name('foobar', 'foobar', true),
  v4('192.168.0.1', 'foobar', false),
  v4('192.168.0.1', '192.168.0.0/16', true),
  v4('192.168.0.1', '192.168.0.0/24', true),
  v4('192.168.0.1', '192.168.0.0/32', false),
  v4('192.168.0.1', '192.168.0.0', false),
  v4('192.168.1.1', '192.168.0.0/24', false),
  v4('192.168.1.1', '192.168.0.0/33', false),
  v4('192.168.1.1', 'foo, bar, 192.168.0.0/24', false),
  v4('192.168.1.1', 'foo, bar, 192.168.0.0/16', true),
  v6('::1', 'foo, bar, 192.168.0.0/16', false),
  v6('::1', 'foo, bar, ::1/64', false, 'current curl: listed; 7.88.1: not'),
  v6('::1', '::1/64', false, 'current curl: listed; 7.88.1: not'),
  v6('::1', '::1/96', false, 'current curl: listed; 7.88.1: not'),
  v6('::1', '::1/129', false),
  name('bar', 'foo, bar, ::1/64', true),
  name('BAr', 'foo, bar, ::1/64', true),
  name('BAr', 'foo,,,,,              bar, ::1/64', true),
  name('www.example.com', 'foo, .example.com', true),
  name('www.example.com', 'www2.example.com, .example.net', false),
  name('example.com', '.example.com, .example.net', true),
  name('nonexample.com', '.example.com, .example.net', false),
];

/** Further rows, checked against curl 7.88.1 in `unshare -rn` unless they say otherwise. */
const MORE: readonly Row[] = [
  name('a.example.com', '*', true, 'the whole value * lists every host'),
  v4('10.0.0.1', '*', true),
  v6('::1', '*', true),
  name('a.example.com', ' *', false, 'a padded * is an ordinary entry'),
  name('a.example.com', '*,b', false),
  name('a.example.com', '*.example.com', false, 'no wildcard labels'),
  name('a.example.com', '', false),
  name('a.example.com', ' , ,, ', false),
  name('localhost', '.localhost..', false, 'only one dot is ignored at each end'),
  name('localhost.', 'localhost', true),
  name('LOCALHOST.', 'localhost.', true),
  name('example.com', 'example.com:80', false, 'a port in the entry is not stripped'),
  name('a.b.example.com', 'b.example.com', true),
  name('ab.example.com', 'b.example.com', false),
  name('example.com', 'com', true),
  name('example.com', 'xample.com', false),
  name('a', 'a\tb', true),
  name('b', 'a\tb', false, '7.88.1: listed; current curl stops at the tab-separated name'),
  name('b', 'a \t, b', true, 'blanks around a comma'),
  name('b', 'a,b\0c', true),
  name('c', 'a,b\0c', false, 'a NUL ends the C string curl reads'),
  name('a.', '.', false),
  name('a..', '.', true, 'an entry that is all dots lists a name ending in a dot after the one ignored'),
  name('a.example.com', 'exämple.com', false),
  v4('127.0.0.5', '127.0.0.0/8', true),
  v4('127.9.8.7', '127.0.0.9/8', true, 'the block is taken from the address and its prefix'),
  v4('127.0.0.5', '0.0.0.0/0', false, '/0 means the address 0.0.0.0 itself'),
  v4('127.0.0.5', '127.0.0.5/', false, '7.88.1: listed (atoi reads "" as 0); current curl: not'),
  v4('127.0.0.5', '127.0.0.0/8x', false, '7.88.1: listed (atoi); current curl: not'),
  v4('127.0.0.5', '127.0.0.0/+8', false, '7.88.1: listed (atoi); current curl: not'),
  v4('127.0.0.5', '127.0.0.05', false, 'inet_pton refuses leading zeros'),
  v4('127.0.0.5', '127.0.0.5.', false, 'addresses get no trailing-dot rule'),
  v4('127.0.0.5', '0.0.5', false, 'addresses get no parent-domain rule'),
  name('127.0.0.5.', '127.0.0.5', true, 'a host with a trailing dot is a name to curl'),
  name('127.0.0.5.', '127.0.0.0/8', false),
  v6('::1', '[::1]', false),
  v6('::1', '::1.', false, '7.88.1: listed (trailing dot ignored); current curl: not'),
  v6('::1', '.::1', false, '7.88.1: listed (leading dot ignored); current curl: not'),
  v6('::abcd', '::ABCD', true),
  v6('::ffff:127.0.0.1', '::ffff:127.0.0.1', true),
  v6('::ffff:127.0.0.1', '::ffff:7f00:1', false, '7.88.1 compares text'),
  v6('::ffff:127.0.0.1', '127.0.0.1', false),
];

describe('no-proxy lists as curl reads them (unit1614.c and more)', () => {
  for (const [host, kind, list, listed, note] of [...UNIT1614, ...MORE]) {
    it(`${JSON.stringify(list)} ${listed ? 'lists' : 'does not list'} ${kind} ${host}${note === undefined ? '' : ` (${note})`}`, () => {
      const entry = listedBy(compileNoProxy('--noproxy', list), { host, kind });
      assert.equal(entry !== null, listed, `entry ${JSON.stringify(entry)}`);
    });
  }
});

describe('a compiled no-proxy list', () => {
  it('names the entry that lists the host', () => {
    const list = compileNoProxy('env NO_PROXY', 'foo, .Example.com., 10.0.0.0/8');
    assert.equal(listedBy(list, { host: 'a.example.COM', kind: 'name' }), '.Example.com.');
    assert.equal(listedBy(list, { host: '10.1.2.3', kind: 'ipv4' }), '10.0.0.0/8');
    assert.equal(listedBy(list, { host: 'bar', kind: 'name' }), null);
  });

  it('keeps what current curl leaves unread after blank-separated names', () => {
    assert.equal(compileNoProxy('--noproxy', 'a b, c').ignoredTail, 'b, c');
    assert.equal(compileNoProxy('--noproxy', ' a , b ').ignoredTail, null);
  });

  it('knows the wildcard and the empty list', () => {
    assert.deepEqual([compileNoProxy('x', '*').all, compileNoProxy('x', '*').empty], [true, false]);
    assert.deepEqual([compileNoProxy('x', '').all, compileNoProxy('x', '').empty], [false, true]);
    assert.equal(compileNoProxy('x', ',,').empty, true);
  });

  it('leaves a host name longer than 255 characters unlisted (the caller counts it unknown)', () => {
    const host = `${'a.'.repeat(200)}example.com`;
    assert.equal(listedBy(compileNoProxy('x', 'example.com'), { host, kind: 'name' }), null);
  });
});
