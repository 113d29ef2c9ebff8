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
  const corpAndAttacker = evaluate(curlLine('curl -x http://proxy.corp:3128 --preproxy socks5://203.0.113.9:1080 https://a'), ARGV);
  const corpChain = evaluate(curlLine('curl --preproxy socks5://10.9.9.9 -x http://10.2.3.4:3128 https://a'), ARGV);
  const corpTwice = evaluate(curlLine('curl -x proxy.corp:3128 https://a --next -x PROXY.CORP:8080 https://b'), ARGV);
  const corpThenOther = evaluate(curlLine('curl -x proxy.corp:3128 https://a --next -x evil.example:8080 https://b'), ARGV);
  const ctx = { dest: 'web-01', user: 'deploy', parentProcessName: 'bash', commandLine: 'curl -x http://Proxy.Corp:3128 https://a' };

  const table: [name: string, suppression: Suppression, verdict: typeof corp, applies: boolean][] = [
    ['a proxy host name matches case-insensitively', { reason: 'corp proxy', proxyHost: 'proxy.corp' }, corp, true],
    ['a proxy host name with a trailing dot is the same name', { reason: 'corp proxy', proxyHost: 'proxy.corp.' }, corp, true],
    ['another proxy host does not match', { reason: 'x', proxyHost: 'other.corp' }, corp, false],
    ['an IPv4 CIDR that covers every proxy of the verdict applies', { reason: 'corp net', proxyHost: '0.0.0.0/0' }, chained, true],
    ['a CIDR that covers only one proxy of a chain does not apply', { reason: 'corp net', proxyHost: '10.0.0.0/8' }, chained, false],
    ['a corporate -x next to an attacker\'s --preproxy is not suppressed by the corporate host', { reason: 'corp proxy', proxyHost: 'proxy.corp' }, corpAndAttacker, false],
    ['a CIDR covering both proxies of a chain applies', { reason: 'corp net', proxyHost: '10.0.0.0/8' }, corpChain, true],
    ['a host covering the proxy of every transfer applies', { reason: 'corp proxy', proxyHost: 'proxy.corp' }, corpTwice, true],
    ['a host covering one transfer\'s proxy but not the other\'s does not apply', { reason: 'corp proxy', proxyHost: 'proxy.corp' }, corpThenOther, false],
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

  it('a proxyHost never applies in splunk mode, whose pattern hits carry no host', () => {
    const splunk = evaluate(curlLine('curl -x http://proxy.corp:3128 https://a'), { mode: 'splunk', noproxyStarDisables: true });
    assert.equal(splunk.match, true);
    for (const proxyHost of ['proxy.corp', '0.0.0.0/0', '::/0']) {
      assert.equal(findSuppression(splunk, ctx, [{ reason: 'x', proxyHost }]), undefined, proxyHost);
    }
    // Other fields still apply in splunk mode.
    const byUser: Suppression = { reason: 'x', user: 'deploy' };
    assert.equal(findSuppression(splunk, ctx, [byUser]), byUser);
  });

  it('a known proxy next to one with an unknown host ({{variable}}) is not suppressed', () => {
    const mixed = evaluate(curlLine("curl -x proxy.corp:3128 https://a --next --expand-proxy '{{p}}' https://b"), ARGV);
    assert.equal(mixed.proxies.length, 2);
    assert.equal(findSuppression(mixed, ctx, [{ reason: 'x', proxyHost: 'proxy.corp' }]), undefined);
  });

  it('a verdict listing the cap of proxies is never suppressed by proxyHost: more may be unlisted', () => {
    const args = ['curl'];
    for (let i = 0; i < 101; i++) args.push('-x', `10.0.0.${(i % 250) + 1}:3128`, `https://a/${i}`, '--next');
    const many = evaluate({ processName: 'curl', args }, ARGV);
    assert.equal(many.proxies.length, 100);
    assert.equal(findSuppression(many, ctx, [{ reason: 'x', proxyHost: '10.0.0.0/8' }]), undefined);
    const fewer = evaluate({ processName: 'curl', args: args.slice(0, 1 + 4 * 99) }, ARGV);
    assert.equal(fewer.proxies.length, 99);
    assert.ok(findSuppression(fewer, ctx, [{ reason: 'x', proxyHost: '10.0.0.0/8' }]) !== undefined);
  });

  it('compares host names and addresses', () => {
    assert.equal(hostMatches('10.0.0.1', '10.0.0.1'), true);
    assert.equal(hostMatches('10.0.0.0/8', 'proxy.corp'), false);
  });
});
