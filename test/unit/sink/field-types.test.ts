import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type Client } from '@elastic/elasticsearch';
import { ServiceUnavailableError } from '../../../src/errors.js';
import { adaptMappings, detectFieldTypes, ECS_FIELD_TYPES, fieldTypeProbe, missingProperties, withoutMissingMapper } from '../../../src/sink/field-types.js';
import { alertsTemplateBody, findingsTemplateBody, loadFindingsTemplate } from '../../../src/sink/findings-index.js';

type Props = Record<string, { type?: string; fields?: Record<string, { type: string }>; ignore_above?: number; properties?: Props }>;
const props = (body: { template: { mappings: { properties?: unknown } } }) => body.template.mappings.properties as Props;

describe('the findings mapping uses the ECS field types where the cluster has them', () => {
  const ecs = props(findingsTemplateBody('curl-proxy-findings', ECS_FIELD_TYPES));

  it('maps process.command_line as wildcard with a match_only_text .text, as ECS does', () => {
    assert.deepEqual(ecs['process']?.properties?.['command_line'], { type: 'wildcard', fields: { text: { type: 'match_only_text' } } });
    assert.deepEqual(ecs['process']?.properties?.['parent']?.properties?.['command_line'], { type: 'wildcard', fields: { text: { type: 'match_only_text' } } });
  });

  it('maps message as match_only_text, and the new ECS fields', () => {
    assert.deepEqual(ecs['message'], { type: 'match_only_text' });
    assert.deepEqual(ecs['event']?.properties?.['ingested'], { type: 'date' });
    assert.deepEqual(ecs['ecs']?.properties?.['version'], { type: 'keyword' });
    assert.deepEqual(ecs['related']?.properties, { hosts: { type: 'keyword' }, user: { type: 'keyword' }, ip: { type: 'ip' } });
  });

  it('falls back to keyword (ignore_above 8191) and text on a cluster without those types', () => {
    const plain = props(findingsTemplateBody('curl-proxy-findings', { wildcard: false, matchOnlyText: false }));
    assert.deepEqual(plain['process']?.properties?.['command_line'], { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'text' } } });
    assert.deepEqual(plain['message'], { type: 'text' });
  });

  it('falls back for each type on its own', () => {
    const onlyWildcard = props(findingsTemplateBody('x', { wildcard: true, matchOnlyText: false }));
    assert.deepEqual(onlyWildcard['process']?.properties?.['command_line'], { type: 'wildcard', fields: { text: { type: 'text' } } });
    const onlyText = props(findingsTemplateBody('x', { wildcard: false, matchOnlyText: true }));
    assert.deepEqual(onlyText['process']?.properties?.['command_line'], { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'match_only_text' } } });
  });

  it('changes nothing else, and leaves the file as it is', () => {
    const before = JSON.stringify(loadFindingsTemplate());
    const changed: string[] = [];
    const walk = (x: unknown, y: unknown, path: string): void => {
      if (x === null || typeof x !== 'object') {
        if (x !== y) changed.push(path);
        return;
      }
      const keys = new Set([...Object.keys(x), ...Object.keys((y ?? {}) as object)]);
      for (const k of keys) walk((x as Record<string, unknown>)[k], ((y ?? {}) as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
    };
    walk(loadFindingsTemplate().template.mappings, adaptMappings(loadFindingsTemplate().template.mappings, { wildcard: false, matchOnlyText: false }), '');
    assert.deepEqual(changed, [
      'properties.message.type',
      'properties.process.properties.command_line.type',
      'properties.process.properties.command_line.fields.text.type',
      'properties.process.properties.command_line.ignore_above',
      'properties.process.properties.parent.properties.command_line.type',
      'properties.process.properties.parent.properties.command_line.fields.text.type',
      'properties.process.properties.parent.properties.command_line.ignore_above',
    ]);
    assert.equal(JSON.stringify(loadFindingsTemplate()), before);
  });
});

describe('the alert-source template', () => {
  const body = alertsTemplateBody('curl-proxy-findings', ECS_FIELD_TYPES);

  it('covers exactly the one index <alias>-alerts, above the findings template whose <alias>-* also matches it', () => {
    assert.equal(body.name, 'curl-proxy-findings-alerts');
    assert.deepEqual(body.index_patterns, ['curl-proxy-findings-alerts']);
    assert.ok(body.priority > findingsTemplateBody('curl-proxy-findings', ECS_FIELD_TYPES).priority);
  });

  it('makes the index hidden, so <alias>* searches and the data view never see alert sources', () => {
    assert.equal(body.template.settings['index.hidden'], true);
  });

  it('maps what the findings are mapped with, and has no lifecycle (it must never roll over)', () => {
    assert.deepEqual(body.template.mappings, findingsTemplateBody('curl-proxy-findings', ECS_FIELD_TYPES).template.mappings);
    assert.equal(Object.keys(body.template.settings).some((k) => k.includes('lifecycle')), false);
  });
});

describe('missingProperties adds new fields to an existing index without changing a type', () => {
  const cases: [name: string, wanted: Record<string, unknown>, existing: Record<string, unknown> | undefined, expected: unknown][] = [
    ['everything when the index maps nothing', { a: { type: 'keyword' } }, undefined, { a: { type: 'keyword' } }],
    ['nothing when every field is there', { a: { type: 'keyword' } }, { a: { type: 'keyword' } }, undefined],
    ['nothing for a field whose type differs (keyword stays keyword until the next index)', { a: { type: 'wildcard' } }, { a: { type: 'keyword' } }, undefined],
    ['a new leaf inside an existing object', { event: { properties: { kind: { type: 'keyword' }, ingested: { type: 'date' } } } }, { event: { properties: { kind: { type: 'keyword' } } } }, { event: { properties: { ingested: { type: 'date' } } } }],
    ['a whole new object', { related: { properties: { ip: { type: 'ip' } } } }, { event: { properties: {} } }, { related: { properties: { ip: { type: 'ip' } } } }],
  ];
  for (const [name, wanted, existing, expected] of cases) it(name, () => assert.deepEqual(missingProperties(wanted, existing), expected));
});

describe('detectFieldTypes asks the cluster with a simulated template', () => {
  const missing = (type: string) =>
    new errors.ResponseError({
      body: { error: { type: 'illegal_argument_exception', caused_by: { type: 'mapper_parsing_exception', reason: `Failed to parse mapping: The mapper type [${type}] declared on field [probe] does not exist.` } }, status: 400 },
      statusCode: 400,
      headers: {},
      warnings: null,
      meta: {} as never,
    });
  function client(answer: (type: string) => unknown): Client {
    return { indices: { simulateTemplate: async (req: { template: { mappings: { properties: { probe: { type: string } } } } }) => answer(req.template.mappings.properties.probe.type) } } as unknown as Client;
  }

  it('sends a template for an index pattern no index has', () => {
    assert.deepEqual(fieldTypeProbe('wildcard'), { index_patterns: ['curl-proxy-detector-field-type-probe-*'], template: { mappings: { properties: { probe: { type: 'wildcard' } } } } });
  });

  it('reports a type the cluster maps as available', async () => {
    assert.deepEqual(await detectFieldTypes(client(() => ({ template: {} }))), { wildcard: true, matchOnlyText: true });
  });

  it('reports a mapper the cluster lacks as unavailable, each type on its own', async () => {
    assert.deepEqual(
      await detectFieldTypes(client((type) => {
        if (type === 'wildcard') throw missing(type);
        return { template: {} };
      })),
      { wildcard: false, matchOnlyText: true },
    );
  });

  it('refits the types to the mapper a failed template write names as missing, one at a time', () => {
    assert.deepEqual(withoutMissingMapper(ECS_FIELD_TYPES, missing('wildcard')), { wildcard: false, matchOnlyText: true });
    assert.deepEqual(withoutMissingMapper({ wildcard: false, matchOnlyText: true }, missing('match_only_text')), { wildcard: false, matchOnlyText: false });
    assert.equal(withoutMissingMapper({ wildcard: false, matchOnlyText: true }, missing('wildcard')), undefined, 'already off: give up rather than loop');
    assert.equal(withoutMissingMapper(ECS_FIELD_TYPES, new Error('boom')), undefined);
  });

  it('does not guess on any other failure', async () => {
    const refused = new errors.ResponseError({ body: { error: { type: 'security_exception', reason: 'unauthorized' }, status: 403 }, statusCode: 403, headers: {}, warnings: null, meta: {} as never });
    await assert.rejects(
      detectFieldTypes(client(() => {
        throw refused;
      })),
      (err: unknown) => err instanceof Error && !(err instanceof ServiceUnavailableError) && /403/.test(err.message),
    );
  });
});
