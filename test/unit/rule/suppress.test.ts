import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Suppression } from '../../../src/config/schema.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/rule/cidr.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { findSuppression, hostMatches } from '../../../src/rule/suppress.js';
import type { RuleOptions } from '../../../src/rule/types.js';
import { curlLine } from './cases.js';

const ARGV: RuleOptions = { mode: 'argv', noproxyStarDisables: true };

describe('IP addresses and CIDR blocks', () => {
  const ips: [text: string, bytes: number[] | undefined][] = [
    ['10.1.2.3', [10, 1, 2, 3]],
    ['::1', [...new Array<number>(15).fill(0), 1]],
    ['[2001:db8::1]', [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]],
    ['::ffff:10.1.2.3', [10, 1, 2, 3]],
    ['fe80::1%eth0', [0xfe, 0x80, ...new Array<number>(13).fill(0), 1]],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['1::2::3', undefined],
    ['proxy.corp', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
  ];
  for (const [text, bytes] of ips) {
    it(`"${text}" ${bytes === undefined ? 'is not an address' : 'is parsed'}`, () => {
      assert.deepEqual(parseIp(text), bytes);
    });
  }

  const blocks: [block: string, ip: string, inside: boolean][] = [
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.168.1.128/25', '192.168.1.200', true],
    ['192.168.1.128/25', '192.168.1.100', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['fd00::/8', 'fdab::1', true],
    ['10.0.0.0/8', '::ffff:10.9.9.9', true],
    ['::ffff:10.0.0.0/104', '10.1.1.1', true],
    ['2001:db8::/32', '10.0.0.1', false],
  ];
  for (const [block, ip, inside] of blocks) {
    it(`${ip} is ${inside ? 'inside' : 'outside'} ${block}`, () => {
      const cidr = parseCidr(block);
      const address = parseIp(ip);
      assert.ok(cidr !== undefined && address !== undefined);
      assert.equal(cidrContains(cidr, address), inside);
    });
  }

  it('rejects blocks with a bad prefix', () => {
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('10.0.0.0/x'), undefined);
    assert.equal(parseCidr('::/129'), undefined);
  });
});

describe('suppressions (the analytic\'s filter macro)', () => {
  const corp = evaluate(curlLine('curl -x http://Proxy.Corp:3128 https://a'), ARGV);
  const chained = evaluate(curlLine('curl --preproxy socks5://203.0.113.9 -x http://10.2.3.4:3128 https://a'), ARGV);
  const v6 = evaluate(curlLine('curl -x socks5h://[2001:db8::7]:1080 https://a'), ARGV);
  const ctx = { dest: 'web-01', user: 'deploy', parentProcessName: 'bash', commandLine: 'curl -x http://Proxy.Corp:3128 https://a' };

  const table: [name: string, suppression: Suppression, verdict: typeof corp, applies: boolean][] = [
    ['a proxy host name matches case-insensitively', { reason: 'corp proxy', proxyHost: 'proxy.corp' }, corp, true],
    ['a proxy host name with a trailing dot is the same name', { reason: 'corp proxy', proxyHost: 'proxy.corp.' }, corp, true],
    ['another proxy host does not match', { reason: 'x', proxyHost: 'other.corp' }, corp, false],
    ['an IPv4 CIDR matches any proxy of the verdict inside it', { reason: 'corp net', proxyHost: '10.0.0.0/8' }, chained, true],
    ['an IPv6 CIDR matches an IPv6 proxy', { reason: 'lab', proxyHost: '2001:db8::/48' }, v6, true],
    ['an IPv6 address matches however it is written', { reason: 'lab', proxyHost: '2001:0db8:0:0::7' }, v6, true],
    ['host, user and parent all have to apply', { reason: 'x', host: 'WEB-01', user: 'deploy', parentProcessName: 'BASH' }, corp, true],
    ['one field that differs stops the suppression', { reason: 'x', host: 'web-01', user: 'root' }, corp, false],
    ['a command-line pattern is a whole-value wildcard', { reason: 'x', commandLine: '*proxy.corp:3128*' }, corp, true],
    ['a command-line pattern without stars must equal the whole line', { reason: 'x', commandLine: 'proxy.corp' }, corp, false],
  ];
  for (const [name, suppression, verdict, applies] of table) {
    it(name, () => {
      assert.equal(findSuppression(verdict, ctx, [suppression]) === suppression, applies);
    });
  }

  it('returns the first suppression that applies', () => {
    const first: Suppression = { reason: 'first', user: 'deploy' };
    const second: Suppression = { reason: 'second', host: 'web-01' };
    assert.equal(findSuppression(corp, ctx, [{ reason: 'no', user: 'x' }, first, second]), first);
  });

  it('never suppresses a non-match', () => {
    const none = evaluate(curlLine('curl https://a'), ARGV);
    assert.equal(findSuppression(none, ctx, [{ reason: 'all', commandLine: '*' }]), undefined);
  });

  it('a field missing from the event does not apply', () => {
    assert.equal(findSuppression(corp, {}, [{ reason: 'x', user: 'deploy' }]), undefined);
  });

  it('a proxy with an unknown host ({{variable}}) never matches a proxyHost', () => {
    const unknown = evaluate(curlLine("curl --expand-proxy '{{p}}' https://a"), ARGV);
    assert.equal(findSuppression(unknown, ctx, [{ reason: 'x', proxyHost: '0.0.0.0/0' }]), undefined);
  });

  it('compares host names and addresses', () => {
    assert.equal(hostMatches('10.0.0.1', '10.0.0.1'), true);
    assert.equal(hostMatches('10.0.0.0/8', 'proxy.corp'), false);
  });
});
