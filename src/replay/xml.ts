/**
 * A small XML reader for one Sysmon `<Event>` record. One forward pass with indexOf and
 * character loops (linear in the input; no regular expressions on untrusted text): elements,
 * attributes, text, CDATA, comments and a prolog. No DTDs, no namespaces beyond keeping the
 * `xmlns` attribute like any other.
 */

/** One element: its name, attributes, child elements and its own text (entities decoded). */
export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  text: string;
}

/** Malformed XML: says what was expected where, and what was found. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/** Nesting deeper than this is refused (a Sysmon record has three levels). */
const maxDepth = 64;

/** Parses a document with exactly one root element; throws XmlSyntaxError. */
export function parseXml(input: string): XmlElement {
  const reader = new Reader(input);
  reader.skipMisc();
  if (reader.atEnd()) throw reader.error('expected a root element', 'end of input');
  const root = reader.element();
  reader.skipMisc();
  if (!reader.atEnd()) throw reader.error('expected nothing after the root element', reader.preview());
  return root;
}

/** The first direct child with this name. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

class Reader {
  private pos = 0;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  /** Whitespace, comments, a `<?xml ...?>` prolog and processing instructions. */
  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith('<?', this.pos)) this.skipPast('?>', 'processing instruction');
      else if (this.s.startsWith('<!--', this.pos)) this.skipPast('-->', 'comment');
      else return;
    }
  }

  /** Reads an element whose `<` is at the current position, with all its content (iteratively). */
  element(): XmlElement {
    const root = this.openTag();
    if (root.selfClosing) return root.element;
    const stack: XmlElement[] = [root.element];
    const text: string[][] = [[]];
    while (stack.length > 0) {
      const current = stack[stack.length - 1] as XmlElement;
      const buffer = text[text.length - 1] as string[];
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) throw this.error(`expected </${current.name}>`, 'end of input');
      if (lt > this.pos) buffer.push(decodeEntities(this.s.slice(this.pos, lt)));
      this.pos = lt;
      if (this.s.startsWith('</', this.pos)) {
        this.pos += 2;
        const name = this.name();
        this.skipSpace();
        this.expect('>');
        if (name !== current.name) throw this.error(`expected </${current.name}>`, `</${name}>`, lt);
        current.text = buffer.join('');
        stack.pop();
        text.pop();
      } else if (this.s.startsWith('<!--', this.pos)) {
        this.skipPast('-->', 'comment');
      } else if (this.s.startsWith('<![CDATA[', this.pos)) {
        const end = this.s.indexOf(']]>', this.pos + 9);
        if (end < 0) throw this.error("expected ']]>' closing the CDATA section", 'end of input');
        buffer.push(this.s.slice(this.pos + 9, end));
        this.pos = end + 3;
      } else if (this.s.startsWith('<?', this.pos)) {
        this.skipPast('?>', 'processing instruction');
      } else {
        if (stack.length >= maxDepth) throw this.error(`expected at most ${maxDepth} nested elements`, 'deeper nesting');
        const child = this.openTag();
        current.children.push(child.element);
        if (!child.selfClosing) {
          stack.push(child.element);
          text.push([]);
        }
      }
    }
    return root.element;
  }

  private openTag(): { element: XmlElement; selfClosing: boolean } {
    this.expect('<');
    const name = this.name();
    // No prototype: an attribute named `__proto__` or `constructor` is an attribute like any other.
    const attributes = Object.create(null) as Record<string, string>;
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.s.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { element: { name, attributes, children: [], text: '' }, selfClosing: true };
      }
      if (this.s.startsWith('>', this.pos)) {
        this.pos += 1;
        return { element: { name, attributes, children: [], text: '' }, selfClosing: false };
      }
      if (!hadSpace) throw this.error(`expected whitespace, '>' or '/>' in <${name}>`, this.preview());
      const attr = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") throw this.error(`expected a quoted value for attribute ${attr}`, this.preview());
      const end = this.s.indexOf(quote, this.pos + 1);
      if (end < 0) throw this.error(`expected a closing ${quote} for attribute ${attr}`, 'end of input');
      if (Object.hasOwn(attributes, attr)) throw this.error(`expected attribute ${attr} once in <${name}>`, 'it twice');
      attributes[attr] = decodeEntities(this.s.slice(this.pos + 1, end));
      this.pos = end + 1;
    }
  }

  private name(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isNameChar(this.s.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) throw this.error('expected a name', this.preview());
    return this.s.slice(start, this.pos);
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.s.length && isSpace(this.s.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.s.indexOf(terminator, this.pos + 2);
    if (end < 0) throw this.error(`expected '${terminator}' closing the ${what}`, 'end of input');
    this.pos = end + terminator.length;
  }

  private expect(c: string): void {
    if (this.s[this.pos] !== c) throw this.error(`expected '${c}'`, this.preview());
    this.pos += 1;
  }

  preview(at = this.pos): string {
    if (at >= this.s.length) return 'end of input';
    const piece = this.s.slice(at, at + 20);
    return JSON.stringify(at + 20 < this.s.length ? `${piece}...` : piece);
  }

  error(expected: string, got: string, at = this.pos): XmlSyntaxError {
    return new XmlSyntaxError(`${expected} at offset ${at}, got ${got}`, at);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x3a || // :
    c > 0x7f
  );
}

const namedEntities: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and numeric references (`&#38;`, `&#x26;`). Anything
 * else that starts with `&` is kept as written: a log line is replayed, not validated.
 */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  const out: string[] = [];
  let from = 0;
  while (amp >= 0) {
    // Entity names are short: look for ';' within a few characters only, so the scan stays linear.
    const semi = boundedIndexOf(text, ';', amp + 1, amp + 13);
    const decoded = semi > amp ? entityValue(text.slice(amp + 1, semi)) : undefined;
    if (decoded !== undefined) {
      out.push(text.slice(from, amp), decoded);
      from = semi + 1;
    }
    amp = text.indexOf('&', decoded !== undefined ? semi + 1 : amp + 1);
  }
  out.push(text.slice(from));
  return out.join('');
}

function boundedIndexOf(text: string, c: string, from: number, to: number): number {
  const end = Math.min(to, text.length);
  for (let i = from; i < end; i++) if (text[i] === c) return i;
  return -1;
}

function entityValue(body: string): string | undefined {
  // Own keys only: `&constructor;` is not an entity (it would decode to Object's source text).
  if (Object.hasOwn(namedEntities, body)) return namedEntities[body];
  if (body.length < 2 || body[0] !== '#') return undefined;
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1);
  if (digits === '' || ![...digits].every((d) => (hex ? isHexDigit(d) : d >= '0' && d <= '9'))) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

function isHexDigit(d: string): boolean {
  return (d >= '0' && d <= '9') || (d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F');
}
