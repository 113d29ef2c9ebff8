import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asEpochMs, asString, asStringArray, basename, compilePath, getPath, type ValueNote } from '../../../src/normalize/values.js';

/** Notes in a stable order, so tables can list them alphabetically. */
function sorted(notes: Set<ValueNote>): ValueNote[] {
  return [...notes].sort();
}

describe('getPath reads nested objects, dotted keys and mixes of both', () => {
  const cases: [name: string, source: unknown, path: string, expected: unknown][] = [
    ['reads a value through nested objects', { process: { parent: { name: 'bash' } } }, 'process.parent.name', 'bash'],
    ['reads a fully dotted key', { 'process.parent.name': 'bash' }, 'process.parent.name', 'bash'],
    ['reads a dotted key inside a nested object', { process: { 'parent.name': 'bash' } }, 'process.parent.name', 'bash'],
    ['reads a nested object stored under a dotted key', { 'process.parent': { name: 'bash' } }, 'process.parent.name', 'bash'],
    ['reads a single-segment path', { message: 'hello' }, 'message', 'hello'],
    ['reads a key that itself starts with @', { '@timestamp': '2026-11-01T00:00:00Z' }, '@timestamp', '2026-11-01T00:00:00Z'],
    ['prefers the longest dotted key when both forms hold a value', { 'process.name': 'dotted', process: { name: 'nested' } }, 'process.name', 'dotted'],
    [
      'falls back to the nested form when the dotted key leads nowhere',
      { 'process.parent': { pid: 1 }, process: { parent: { name: 'bash' } } },
      'process.parent.name',
      'bash',
    ],
    [
      'finds a value split over a dotted key, a nested object and another dotted key',
      { 'a.b': { c: { 'd.e': 42 } } },
      'a.b.c.d.e',
      42,
    ],
    ['returns null stored at the path (it is a value, not an absence)', { user: { name: null } }, 'user.name', null],
    ['returns an array at the path as it is', { process: { args: ['curl', '-x'] } }, 'process.args', ['curl', '-x']],
    ['returns an object at the path as it is', { process: { parent: { pid: 7 } } }, 'process.parent', { pid: 7 }],
    ['does not descend into arrays', { process: [{ name: 'curl' }] }, 'process.name', undefined],
    ['returns undefined for a missing leaf', { process: { pid: 1 } }, 'process.name', undefined],
    ['returns undefined for a missing branch', { host: { name: 'x' } }, 'process.parent.name', undefined],
    ['returns undefined when a string sits where an object is expected', { process: 'curl' }, 'process.name', undefined],
    ['returns undefined when null sits where an object is expected', { process: null }, 'process.name', undefined],
    ['returns undefined for a null source', null, 'process.name', undefined],
    ['returns undefined for an undefined source', undefined, 'process.name', undefined],
    ['returns undefined for a string source', 'process.name', 'process.name', undefined],
    ['returns undefined for an array source', [{ process: { name: 'curl' } }], 'process.name', undefined],
    ['ignores inherited properties such as constructor', {}, 'constructor', undefined],
    ['ignores inherited properties such as toString', { process: {} }, 'process.toString', undefined],
    ['reads an own __proto__ key of parsed JSON without touching the prototype', JSON.parse('{"__proto__": {"x": 1}}'), '__proto__.x', 1],
  ];
  for (const [name, source, path, expected] of cases) {
    it(name, () => {
      assert.deepEqual(getPath(source, path), expected);
      assert.deepEqual(getPath(source, compilePath(path)), expected, 'a compiled path reads the same value');
    });
  }
  it('a compiled path lists, per level, the keys to try, longest dotted key first', () => {
    assert.deepEqual(compilePath('a.b.c').keys, [['a.b.c', 'a.b', 'a'], ['b.c', 'b'], ['c']]);
  });
});

describe('asString turns a field value into one bounded, well-formed string', () => {
  const cases: [name: string, value: unknown, maxLength: number, expected: string | undefined, notes: ValueNote[]][] = [
    ['keeps a plain string', 'curl', 100, 'curl', []],
    ['keeps a string with spaces and quotes as written', `curl -H 'a: b' "x"`, 100, `curl -H 'a: b' "x"`, []],
    ['treats an empty string as absent', '', 100, undefined, []],
    ['treats undefined as absent', undefined, 100, undefined, []],
    ['treats null as absent', null, 100, undefined, []],
    ['treats an object as absent', { name: 'curl' }, 100, undefined, []],
    ['treats a function as absent', () => 'curl', 100, undefined, []],
    ['writes an integer as text without a note (pids are numbers in ECS)', 4242, 100, '4242', []],
    ['writes zero as text', 0, 100, '0', []],
    ['writes a negative number as text', -1, 100, '-1', []],
    ['writes a fraction as text', 1.5, 100, '1.5', []],
    ['treats NaN as absent', Number.NaN, 100, undefined, []],
    ['treats Infinity as absent', Number.POSITIVE_INFINITY, 100, undefined, []],
    ['writes a boolean as text and notes the coercion', true, 100, 'true', ['non_string_coerced']],
    ['writes false as text and notes the coercion', false, 100, 'false', ['non_string_coerced']],
    ['writes a bigint as text and notes the coercion', 10n, 100, '10', ['non_string_coerced']],
    ['takes the only string of a one-element array without a note', ['curl -x p:1 https://a'], 100, 'curl -x p:1 https://a', []],
    ['keeps every distinct value of a longer array, sorted and joined, and notes it', ['web-02', 'web-01', 'web-02'], 100, 'web-01 | web-02', ['array_joined']],
    ['joins distinct numbers of an array', [4243, 4242], 100, '4242 | 4243', ['array_joined']],
    ['reads an array whose values are all the same as that value, without a note', ['root', 'root'], 100, 'root', []],
    ['reads a number and the same number as text as one value', [4242, '4242'], 100, '4242', []],
    ['skips non-scalars in an array', [null, { a: 1 }, 'curl'], 100, 'curl', []],
    ['ignores empty strings in an array', ['', 'curl', ''], 100, 'curl', []],
    ['treats an empty array as absent', [], 100, undefined, []],
    ['treats an array without scalars as absent', [null, {}, []], 100, undefined, []],
    ['writes a boolean inside an array as text and notes the coercion', [null, true], 100, 'true', ['non_string_coerced']],
    ['does not descend into nested arrays', [['curl']], 100, undefined, []],
    ['repairs a lone high surrogate', 'a\uD800b', 100, 'a\uFFFDb', ['ill_formed_unicode']],
    ['repairs a string that is only a lone high surrogate', '\uD800', 100, '\uFFFD', ['ill_formed_unicode']],
    ['repairs a lone low surrogate', '\uDC00x', 100, '\uFFFDx', ['ill_formed_unicode']],
    ['repairs surrogates in the wrong order', '\uDE00\uD83D', 100, '\uFFFD\uFFFD', ['ill_formed_unicode']],
    ['keeps a well-formed surrogate pair', 'curl \u{1F600}', 100, 'curl \u{1F600}', []],
    ['keeps non-ASCII text', 'café — наука', 100, 'café — наука', []],
    ['cuts a string longer than the limit and notes it', 'abcdef', 3, 'abc', ['truncated']],
    ['keeps a string exactly at the limit without a note', 'abc', 3, 'abc', []],
    ['cuts a number written as text', 123456, 3, '123', ['truncated']],
    // The limit counts UTF-8 bytes; a lone surrogate counts as the 3 bytes of its replacement.
    ['repairs and cuts in one go, noting both', 'ab\uD800cd', 6, 'ab\uFFFDc', ['ill_formed_unicode', 'truncated']],
    ['drops a lone surrogate that does not fit, leaving nothing to repair', 'ab\uD800cd', 3, 'ab', ['truncated']],
    ['joins, repairs and cuts in one go, noting all three', ['\uD800abcdef', 'x'], 4, 'x | ', ['array_joined', 'ill_formed_unicode', 'truncated']],
  ];
  for (const [name, value, maxLength, expected, notes] of cases) {
    it(name, () => {
      const seen = new Set<ValueNote>();
      assert.equal(asString(value, maxLength, seen), expected);
      assert.deepEqual(sorted(seen), notes);
    });
  }

  it('reads a command line sent as an array of words as those words in order (the words rule)', () => {
    const seen = new Set<ValueNote>();
    assert.equal(asString(['curl', '-x', 'p:1', 'https://a'], 100, seen, 'words'), 'curl -x p:1 https://a');
    assert.deepEqual(sorted(seen), ['array_joined']);
  });

  it('never lets the order of an array change the value read by the distinct rule', () => {
    assert.equal(asString(['b', 'a', 'c'], 100), asString(['c', 'b', 'a'], 100));
  });

  it('looks at no more than 1,000 items of a huge array and notes the cut', () => {
    const seen = new Set<ValueNote>();
    const huge = Array.from({ length: 100_000 }, () => 'curl');
    assert.equal(asString(huge, 100, seen), 'curl');
    assert.deepEqual(sorted(seen), ['truncated']);
  });

  it('works without a notes set', () => {
    assert.equal(asString(['a\uD800', 'b'], 1), 'a');
  });

  it('adds to the notes already in the set instead of replacing them', () => {
    const seen = new Set<ValueNote>(['array_joined']);
    asString('abcdef', 2, seen);
    assert.deepEqual(sorted(seen), ['array_joined', 'truncated']);
  });

  // Regression (fixed; src/normalize/values.ts, asString): the string is made well-formed *before* it is cut,
  // so a cut that falls between the two halves of a surrogate pair leaves a lone high surrogate
  // in the result. Same in asStringArray and in ecs-to-cim.ts joinArgs.
  it('never cuts a surrogate pair in half, so the result stays well-formed', () => {
    const seen = new Set<ValueNote>();
    const out = asString('a\u{1F600}', 2, seen);
    assert.ok(out !== undefined);
    assert.ok(out.isWellFormed(), `expected a well-formed string, got ${JSON.stringify(out)}`);
    assert.ok(out.length <= 2);
    assert.ok(seen.has('truncated'));
  });
});

describe('asStringArray turns an array field into bounded strings', () => {
  const cases: [name: string, value: unknown, maxItems: number, maxLength: number, expected: string[] | undefined, notes: ValueNote[]][] = [
    ['keeps an array of strings', ['curl', '-x', 'p:1'], 10, 100, ['curl', '-x', 'p:1'], []],
    ['wraps a single string in an array', 'curl', 10, 100, ['curl'], []],
    ['keeps empty strings, which are real (empty) arguments', ['curl', '', 'x'], 10, 100, ['curl', '', 'x'], []],
    ['drops non-string items', ['curl', 1, null, { a: 1 }, ['x'], '-x'], 10, 100, ['curl', '-x'], []],
    ['treats undefined as absent', undefined, 10, 100, undefined, []],
    ['treats null as absent', null, 10, 100, undefined, []],
    ['treats an empty array as absent', [], 10, 100, undefined, []],
    ['treats an array without strings as absent', [1, 2, null], 10, 100, undefined, []],
    ['treats a lone number as absent', 5, 10, 100, undefined, []],
    ['keeps at most maxItems strings and notes the cut', ['a', 'b', 'c'], 2, 100, ['a', 'b'], ['truncated']],
    ['keeps exactly maxItems strings without a note', ['a', 'b'], 2, 100, ['a', 'b'], []],
    ['cuts an item longer than maxLength and notes it', ['curl', 'abcdef'], 10, 4, ['curl', 'abcd'], ['truncated']],
    ['repairs an ill-formed item and notes it', ['curl', 'x\uD800'], 10, 100, ['curl', 'x\uFFFD'], ['ill_formed_unicode']],
  ];
  for (const [name, value, maxItems, maxLength, expected, notes] of cases) {
    it(name, () => {
      const seen = new Set<ValueNote>();
      assert.deepEqual(asStringArray(value, maxItems, maxLength, seen), expected);
      assert.deepEqual(sorted(seen), notes);
    });
  }

  // Regression (fixed; src/normalize/values.ts, asStringArray): same cut-after-repair order as asString; an
  // item cut inside a surrogate pair keeps a lone high surrogate.
  it('never cuts a surrogate pair of an item in half', () => {
    const out = asStringArray(['a\u{1F600}'], 10, 2);
    assert.ok(out !== undefined && out[0] !== undefined);
    assert.ok(out[0].isWellFormed(), `expected a well-formed item, got ${JSON.stringify(out[0])}`);
  });
});

describe('asEpochMs reads ISO dates and epoch numbers', () => {
  const cases: [name: string, value: unknown, expected: number | undefined][] = [
    ['reads an ISO date-time in UTC with milliseconds', '2026-11-01T10:15:30.123Z', Date.UTC(2026, 10, 1, 10, 15, 30, 123)],
    ['reads an ISO date-time without fractions', '2026-11-01T10:15:31Z', Date.UTC(2026, 10, 1, 10, 15, 31)],
    ['reads an ISO date-time with an offset', '2026-11-01T12:15:30.123+02:00', Date.UTC(2026, 10, 1, 10, 15, 30, 123)],
    ['reads nanosecond precision, keeping the milliseconds', '2026-11-01T10:15:30.123456789Z', Date.UTC(2026, 10, 1, 10, 15, 30, 123)],
    ['reads a date without a time as UTC midnight', '2026-11-01', Date.UTC(2026, 10, 1)],
    ['reads an epoch-milliseconds number as it is', 1_793_527_200_000, 1_793_527_200_000],
    ['reads epoch zero', 0, 0],
    ['reads a time before the epoch', -5, -5],
    ['reads the one date of an array that also holds garbage', ['2026-11-01T00:00:00Z', 'garbage'], Date.UTC(2026, 10, 1)],
    ['reads the earliest of several dates, whatever their order (as Elasticsearch sorts them ascending)', ['2026-11-02T00:00:00Z', '2026-11-01T00:00:00Z'], Date.UTC(2026, 10, 1)],
    ['treats an empty array as absent', [], undefined],
    ['treats an empty string as absent', '', undefined],
    ['treats words as absent', 'not a date', undefined],
    ['treats an impossible month as absent', '2026-13-01T00:00:00Z', undefined],
    ['treats NaN as absent', Number.NaN, undefined],
    ['treats Infinity as absent', Number.POSITIVE_INFINITY, undefined],
    ['treats null as absent', null, undefined],
    ['treats undefined as absent', undefined, undefined],
    ['treats an object as absent', { date: '2026-11-01' }, undefined],
    ['treats a boolean as absent', true, undefined],
  ];
  for (const [name, value, expected] of cases) {
    it(name, () => {
      assert.equal(asEpochMs(value), expected);
    });
  }

  // Regression (fixed; src/normalize/values.ts, asEpochMs): Date.parse falls back to V8's legacy, non-ISO
  // parser, which reads free text ending in a number as a date: 'garbage 1' and '1' both
  // become 2001-01-01T00:00:00Z (978307200000), '12' becomes 2001-12-01 local time. An event
  // with such an @timestamp is counted in 2001 instead of being skipped as no_timestamp.
  it('treats free text that ends in a number as absent, not as a date in 2001', () => {
    for (const value of ['garbage 1', 'version 2', '12 May', '2026-13-45T99']) assert.equal(asEpochMs(value), undefined, JSON.stringify(value));
  });

  it('reads a bare number as epoch milliseconds, as Elasticsearch\'s default date format does', () => {
    assert.equal(asEpochMs('1'), 1);
    assert.equal(asEpochMs('12'), 12);
  });

  // Regression (fixed; src/normalize/values.ts, asEpochMs): an ISO date-time without an offset is read in the
  // worker's local time zone (ECMAScript rule), while Elasticsearch reads it as UTC. On a worker
  // with TZ=America/New_York, '2026-11-01T10:00:00' becomes 15:00Z: the finding lands in another
  // bucket and under another _id than Elasticsearch's own @timestamp says.
  it('reads a date-time without an offset as UTC, as Elasticsearch does, whatever the local time zone', () => {
    const saved = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      assert.equal(asEpochMs('2026-11-01T10:00:00'), Date.UTC(2026, 10, 1, 10));
      assert.equal(asEpochMs('2026-11-01T10:00:00.250'), Date.UTC(2026, 10, 1, 10, 0, 0, 250));
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });

  // Regression (fixed; src/normalize/values.ts, asEpochMs): Elasticsearch's default date format
  // `strict_date_optional_time||epoch_millis` accepts epoch milliseconds sent as a string, and
  // `_source` keeps the string; asEpochMs returns undefined, so the event is skipped as
  // no_timestamp although Elasticsearch indexed it with a valid @timestamp.
  it('reads epoch milliseconds written as a string, as Elasticsearch accepts them', () => {
    assert.equal(asEpochMs('1793527200000'), 1_793_527_200_000);
  });
});

describe('basename returns the last segment of a Unix or Windows path', () => {
  const cases: [path: string, expected: string][] = [
    ['/usr/bin/curl', 'curl'],
    ['/usr/local/bin/curl-8.10', 'curl-8.10'],
    ['curl', 'curl'],
    ['./curl', 'curl'],
    ['/opt/my tools/curl', 'curl'],
    ['C:\\Windows\\System32\\curl.exe', 'curl.exe'],
    ['\\\\server\\share\\curl', 'curl'],
    ['/mixed\\sep/path\\curl', 'curl'],
    ['/usr/bin/', ''],
    ['', ''],
  ];
  for (const [path, expected] of cases) {
    it(`basename(${JSON.stringify(path)}) is ${JSON.stringify(expected)}`, () => {
      assert.equal(basename(path), expected);
    });
  }
});
