import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isIP } from 'node:net';
import { encodeAlertSource } from '../../../src/sink/alert-source.js';
import { encodeFinding, type FindingInput } from '../../../src/sink/encode.js';
import { adaptMappings } from '../../../src/sink/field-types.js';
import { BARE_INPUT, DEFEND_INPUT, FULL_INPUT, SPLUNK_INPUT } from './finding-inputs.js';

/** One node of an Elasticsearch mapping (only what this check reads). */
interface MappingNode {
  type?: string;
  enabled?: boolean;
  dynamic?: string | boolean;
  properties?: Record<string, MappingNode>;
}

const template = JSON.parse(readFileSync(new URL('../../../mappings/findings-template.json', import.meta.url), 'utf8')) as {
  template: { mappings: MappingNode };
};
const root = template.template.mappings;

const numeric = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long']);
const integral = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);
const textual = new Set(['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text']);

/**
 * Problems Elasticsearch would have indexing `value` under `node`: fields missing from a
 * `dynamic: strict` mapping, objects where a leaf is mapped (and the reverse), values the
 * leaf type rejects. Objects mapped `enabled: false` are stored as they are: the walk stops.
 */
function problems(value: unknown, node: MappingNode, path: string): string[] {
  if (node.enabled === false) return [];
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => problems(v, node, path));
  if (typeof value === 'object') {
    if (node.type !== undefined && node.type !== 'object') return [`${path}: an object, but mapped as ${node.type}`];
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
      const childPath = path === '' ? key : `${path}.${key}`;
      const mapped = node.properties?.[key];
      return mapped === undefined ? [`${childPath}: not in the mapping (dynamic: strict rejects the document)`] : problems(child, mapped, childPath);
    });
  }
  const type = node.type;
  if (type === undefined || type === 'object') return [`${path}: a ${typeof value}, but mapped as an object`];
  if (typeof value === 'string') {
    if (type === 'date') return Number.isNaN(Date.parse(value)) ? [`${path}: "${value}" is not a date`] : [];
    if (type === 'ip') return isIP(value) === 0 ? [`${path}: "${value}" is not an IP address`] : [];
    return textual.has(type) ? [] : [`${path}: a string, but mapped as ${type}`];
  }
  if (typeof value === 'number') {
    if (!numeric.has(type)) return [`${path}: a number, but mapped as ${type}`];
    return integral.has(type) && !Number.isInteger(value) ? [`${path}: ${value} is not an integer (${type})`] : [];
  }
  if (typeof value === 'boolean') return type === 'boolean' ? [] : [`${path}: a boolean, but mapped as ${type}`];
  return [`${path}: a ${typeof value} cannot be indexed`];
}

/** Every leaf field path of a mapping, stopping at objects mapped `enabled: false`. */
function mappedLeaves(node: MappingNode, path = ''): string[] {
  if (node.enabled === false || node.properties === undefined) return [path];
  return Object.entries(node.properties).flatMap(([key, child]) => mappedLeaves(child, path === '' ? key : `${path}.${key}`));
}

/** Every leaf field path of a document (arrays are transparent, as in Elasticsearch). */
function documentLeaves(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => documentLeaves(v, path));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => documentLeaves(child, path === '' ? key : `${path}.${key}`));
  }
  return [path];
}

describe('mappings/findings-template.json accepts every finding encodeFinding writes, and its alert source', () => {
  it('is dynamic: strict, so an unmapped field would reject the whole finding', () => {
    assert.equal(root.dynamic, 'strict');
  });

  const inputs: [name: string, input: FindingInput][] = [
    ['an Elastic Defend finding', DEFEND_INPUT],
    ['a finding with every optional field', FULL_INPUT],
    ['a splunk-mode finding', SPLUNK_INPUT],
    ['a finding with nothing known', BARE_INPUT],
  ];
  const fallback = adaptMappings(root, { wildcard: false, matchOnlyText: false });
  for (const [name, input] of inputs) {
    it(`maps every field of ${name} with a type that accepts its value`, () => {
      assert.deepEqual(problems(JSON.parse(JSON.stringify(encodeFinding(input))), root, ''), []);
    });
    it(`maps every field of the alert source of ${name}`, () => {
      assert.deepEqual(problems(JSON.parse(JSON.stringify(encodeAlertSource(encodeFinding(input), Date.UTC(2026, 10, 1, 11)))), root, ''), []);
    });
    it(`maps every field of ${name} on a cluster without wildcard and match_only_text too`, () => {
      assert.deepEqual(problems(JSON.parse(JSON.stringify(encodeFinding(input))), fallback, ''), []);
    });
  }

  it('maps no field that a fully populated finding or alert source leaves empty (no stale mappings)', () => {
    const written = new Set(inputs.flatMap(([, input]) => [...documentLeaves(encodeFinding(input)), ...documentLeaves(encodeAlertSource(encodeFinding(input), 0))]));
    const stale = mappedLeaves(root).filter((leaf) => !written.has(leaf) && ![...written].some((w) => w.startsWith(`${leaf}.`)));
    assert.deepEqual(stale, []);
  });

  it('stores the event references without indexing them (enabled: false)', () => {
    assert.equal(root.properties?.['finding']?.properties?.['events']?.enabled, false);
  });

  // A self-check of the walk above, so a silent walker cannot make the tests pass.
  const walkerChecks: [name: string, doc: unknown, expected: string[]][] = [
    ['reports an unmapped field', { finding: { extra: 1 } }, ['finding.extra: not in the mapping (dynamic: strict rejects the document)']],
    ['reports an object where a leaf is mapped', { host: { name: { first: 'x' } } }, ['host.name: an object, but mapped as keyword']],
    ['reports a leaf where an object is mapped', { process: 'curl' }, ['process: a string, but mapped as an object']],
    ['reports a fraction in a long field', { finding: { count: 1.5 } }, ['finding.count: 1.5 is not an integer (long)']],
    ['reports a string that is not a date in a date field', { event: { start: 'soon' } }, ['event.start: "soon" is not a date']],
    ['reports a proxy name in related.ip', { related: { ip: ['proxy.example.net'] } }, ['related.ip: "proxy.example.net" is not an IP address']],
    ['accepts anything under an object mapped enabled: false', { finding: { events: [{ anything: { at: 'all' } }] } }, []],
  ];
  for (const [name, doc, expected] of walkerChecks) {
    it(`the mapping check ${name}`, () => {
      assert.deepEqual(problems(doc, root, ''), expected);
    });
  }
});
