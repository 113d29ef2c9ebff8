import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { loadProcessEventsMapping, prepareIndex } from '../../../src/replay/prepare-index.js';

function responseError(statusCode: number, type: string): errors.ResponseError {
  return new errors.ResponseError({ statusCode, body: { error: { type, reason: type } }, headers: {}, warnings: null, meta: {} as never });
}

interface Fake {
  exists?: boolean | Error;
  simulate?: Record<string, unknown> | Error;
  create?: Error;
}

function fakeClient(fake: Fake): { client: Client; created: Record<string, unknown>[] } {
  const created: Record<string, unknown>[] = [];
  const answer = async <T>(v: T | Error | undefined): Promise<T> => {
    if (v instanceof Error) throw v;
    return v as T;
  };
  const client = {
    indices: {
      exists: () => answer(fake.exists ?? false),
      simulateIndexTemplate: () => answer(fake.simulate ?? {}),
      create: async (params: Record<string, unknown>) => {
        if (fake.create !== undefined) throw fake.create;
        created.push(params);
        return { acknowledged: true };
      },
    },
  };
  return { client: client as unknown as Client, created };
}

describe('prepareIndex makes a replay target ready once', () => {
  it('uses an index, alias or data stream that exists', async () => {
    const { client, created } = fakeClient({ exists: true });
    assert.equal(await prepareIndex(client, 'x'), 'exists');
    assert.equal(created.length, 0);
  });

  it('leaves a name an index template matches to the template', async () => {
    const { client, created } = fakeClient({ simulate: { template: { mappings: {} }, overlapping: [] } });
    assert.equal(await prepareIndex(client, 'logs-endpoint.events.process-replay'), 'template');
    assert.equal(created.length, 0);
  });

  it('creates the index with the ECS-subset mapping when no template matches (200 without template)', async () => {
    const { client, created } = fakeClient({ simulate: {} });
    assert.equal(await prepareIndex(client, 'auditbeat-replay'), 'created');
    assert.equal(created[0]?.index, 'auditbeat-replay');
    assert.deepEqual(created[0]?.mappings, loadProcessEventsMapping().mappings);
  });

  it('creates the index when simulating answers 404', async () => {
    const { client } = fakeClient({ simulate: { error: { type: 'resource_not_found_exception' }, status: 404 } });
    assert.equal(await prepareIndex(client, 'x'), 'created');
  });

  it('accepts losing the race to create the index', async () => {
    const { client } = fakeClient({ create: responseError(400, 'resource_already_exists_exception') });
    assert.equal(await prepareIndex(client, 'x'), 'exists');
  });

  it('leaves the target to Elasticsearch when the credentials may not read templates', async () => {
    const { client, created } = fakeClient({ simulate: responseError(403, 'security_exception') });
    assert.equal(await prepareIndex(client, 'x'), 'unchecked');
    assert.equal(created.length, 0);
  });

  it('reports an unreachable cluster as a retryable error', async () => {
    const { client } = fakeClient({ exists: new errors.ConnectionError('ECONNREFUSED') });
    await assert.rejects(prepareIndex(client, 'x'), (err: unknown) => (err as { retryable?: boolean }).retryable === true);
  });
});

describe('mappings/ecs-process-events.json', () => {
  const file = loadProcessEventsMapping();
  const props = file.mappings.properties as Record<string, any>;
  const types: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' && typeof v === 'string') types.push(v);
      else walk(v);
    }
  };
  walk(file.mappings);

  it('uses only field types every Elasticsearch has', () => {
    for (const forbidden of ['wildcard', 'match_only_text', 'constant_keyword', 'flattened']) assert.ok(!types.includes(forbidden), forbidden);
  });

  it('maps what the worker reads with the ECS types', () => {
    const p = props.process.properties;
    assert.equal(props['@timestamp'].type, 'date');
    for (const f of ['name', 'executable', 'args', 'env_vars', 'entity_id']) assert.equal(p[f].type, 'keyword', `process.${f}`);
    for (const f of ['name', 'executable', 'args', 'entity_id']) assert.equal(p.parent.properties[f].type, 'keyword', `process.parent.${f}`);
    assert.deepEqual([p.pid.type, p.parent.properties.pid.type], ['long', 'long']);
    assert.deepEqual(p.command_line, { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'text' } } });
    assert.deepEqual(props.event.properties.original, { type: 'keyword', index: false, doc_values: false });
    for (const f of ['ingested', 'created']) assert.equal(props.event.properties[f].type, 'date');
    for (const f of ['category', 'type', 'action', 'dataset', 'kind', 'code', 'provider']) assert.equal(props.event.properties[f].type, 'keyword', `event.${f}`);
    assert.equal(props.user.properties.name.type, 'keyword');
    assert.equal(props.host.properties.hostname.type, 'keyword');
    assert.equal(props.agent.properties.type.type, 'keyword');
    assert.equal(file.mappings.dynamic, true);
  });
});
