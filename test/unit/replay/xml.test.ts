import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childNamed, decodeEntities, parseXml, XmlSyntaxError } from '../../../src/replay/xml.js';

describe('decodeEntities turns XML references into characters', () => {
  const cases: [name: string, input: string, expected: string][] = [
    ['leaves text without & alone', 'curl -x p:1 https://a', 'curl -x p:1 https://a'],
    ['decodes &lt; and &gt;', 'a &lt;b&gt; c', 'a <b> c'],
    ['decodes &amp; once, not twice', 'x=1&amp;amp;y=2', 'x=1&amp;y=2'],
    ['decodes &quot; and &apos;', '&quot;a&quot; &apos;b&apos;', '"a" \'b\''],
    ['decodes decimal references', '&#38;&#60;', '&<'],
    ['decodes hexadecimal references in either case', '&#x26;&#X3C;', '&<'],
    ['decodes astral code points', '&#x1F600;', '\u{1F600}'],
    ['keeps an unknown entity as written', '&nbsp;x', '&nbsp;x'],
    ['keeps a lone ampersand', 'a & b', 'a & b'],
    ['keeps an ampersand without a semicolon nearby', '&ltxxxxxxxxxxxxxxxxxxx;', '&ltxxxxxxxxxxxxxxxxxxx;'],
    ['keeps references to code points XML forbids', '&#0;&#xD800;&#x110000;', '&#0;&#xD800;&#x110000;'],
    ['keeps a reference with non-digits', '&#12a;', '&#12a;'],
    ['keeps &constructor; as written instead of decoding it to function source', '&constructor;x', '&constructor;x'],
    ['keeps the names of other Object members as written', '&__proto__;&toString;&hasOwnProperty;&valueOf;', '&__proto__;&toString;&hasOwnProperty;&valueOf;'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(decodeEntities(input), expected));

  it('stays linear on a long run of ampersands', () => {
    const input = '&'.repeat(200_000) + ';';
    const t0 = performance.now();
    assert.equal(decodeEntities(input), input);
    assert.ok(performance.now() - t0 < 500, 'decoding 200k ampersands took too long');
  });
});

describe('parseXml reads one element tree', () => {
  it('reads elements, attributes in both quote styles, text and self-closing tags', () => {
    const root = parseXml(`<?xml version="1.0"?><Event xmlns='urn:x'><System><Provider Name="Linux-Sysmon" Guid='{g}'/><EventID>1</EventID></System><EventData><Data Name="CommandLine">curl -x &quot;a b&quot;</Data></EventData></Event>`);
    assert.equal(root.name, 'Event');
    assert.deepEqual({ ...root.attributes }, { xmlns: 'urn:x' });
    const system = childNamed(root, 'System');
    assert.deepEqual({ ...childNamed(system!, 'Provider')?.attributes }, { Name: 'Linux-Sysmon', Guid: '{g}' });
    assert.equal(childNamed(system!, 'EventID')?.text, '1');
    assert.equal(childNamed(root, 'EventData')?.children[0]?.text, 'curl -x "a b"');
  });

  it('keeps attributes named after Object members as attributes, without touching any prototype', () => {
    const root = parseXml('<a __proto__="p" constructor="c" toString="t"/>');
    assert.equal(Object.getPrototypeOf(root.attributes), null);
    assert.deepEqual(Object.entries(root.attributes), [['__proto__', 'p'], ['constructor', 'c'], ['toString', 't']]);
    assert.equal(({} as Record<string, unknown>).p, undefined);
    assert.equal(parseXml('<a/>').attributes.constructor, undefined, 'an absent attribute is absent, whatever its name');
  });

  it('keeps CDATA as it is and skips comments', () => {
    const root = parseXml('<a><!-- note --><b><![CDATA[x &amp; <y>]]></b></a>');
    assert.equal(root.children[0]?.text, 'x &amp; <y>');
  });

  it('keeps whitespace inside text', () => {
    assert.equal(parseXml('<a>  two  spaces </a>').text, '  two  spaces ');
  });

  const errors: [name: string, input: string, message: RegExp][] = [
    ['an empty document', '', /expected a root element .*got end of input/],
    ['a truncated record', '<Event><System><EventID>1</EventID>', /expected <\/System> .*got end of input/],
    ['a mismatched closing tag', '<a><b></a>', /expected <\/b> at offset 6, got <\/a>/],
    ['text after the root', '<a/>trailing', /expected nothing after the root element .*got "trailing"/],
    ['an unquoted attribute', '<a x=1/>', /expected a quoted value for attribute x/],
    ['an unclosed attribute value', '<a x="1/>', /expected a closing " for attribute x/],
    ['a duplicate attribute', '<a x="1" x="2"/>', /expected attribute x once/],
    ['attributes without whitespace between them', '<a x="1"y="2"/>', /expected whitespace, '>' or '\/>' in <a>/],
    ['a tag without a name', '<>', /expected a name/],
    ['an unclosed comment', '<a><!-- x</a>', /expected '-->' closing the comment/],
  ];
  for (const [name, input, message] of errors) {
    it(`refuses ${name} with what it expected and what it got`, () => {
      assert.throws(() => parseXml(input), (err: unknown) => err instanceof XmlSyntaxError && message.test(err.message));
    });
  }

  it('refuses nesting deeper than 64 levels without recursion', () => {
    const deep = '<a>'.repeat(100_000);
    assert.throws(() => parseXml(deep), /expected at most 64 nested elements/);
  });

  it('reads a large record in linear time', () => {
    const data = Array.from({ length: 20_000 }, (_, i) => `<Data Name="k${i}">v&amp;${i}</Data>`).join('');
    const t0 = performance.now();
    const root = parseXml(`<Event><EventData>${data}</EventData></Event>`);
    assert.equal(root.children[0]?.children.length, 20_000);
    assert.ok(performance.now() - t0 < 1_000);
  });
});
