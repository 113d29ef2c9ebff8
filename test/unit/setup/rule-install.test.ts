import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { ECS_FIELD_TYPES } from '../../../src/sink/field-types.js';
import { DETECTION_API_VERSION, ruleBody, USER_OWNED_FIELDS, type RuleBody } from '../../../src/setup/detection-rule.js';
import { KibanaError } from '../../../src/setup/errors.js';
import { KibanaClient } from '../../../src/setup/kibana-client.js';
import { ensureDetectionRule } from '../../../src/setup/rule-install.js';
import { loadRuleSchemas, schemaErrors, type RuleSchemas } from '../../helpers/kibana-schema.js';

// Kibana cannot run here: the Detection Engine is a fake HTTP server that keeps rules by rule_id
// in a space and answers as the public API does (GET ?rule_id= 200 or 404, POST 200 or 409 when
// the rule_id exists, PUT 200 replacing the rule, keeping id and created_at). Every body it
// receives is validated against Kibana's published schema (the fixture).

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

const received: Received[] = [];
const rules = new Map<string, Record<string, unknown>>();
let server: Server;
let baseUrl: string;
let schemas: RuleSchemas;
let schemaProblems: string[] = [];
/** Set to make the next POST answer 409 although the rule was stored (a retried create). */
let createAnswersConflict = false;

before(async () => {
  schemas = await loadRuleSchemas();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://k');
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (!url.pathname.endsWith('/api/detection_engine/rules')) return reply(404, { statusCode: 404, error: 'Not Found' });
      if (req.method === 'GET') {
        const id = url.searchParams.get('rule_id') ?? '';
        const rule = rules.get(id);
        return rule === undefined ? reply(404, { status_code: 404, message: `rule_id: "${id}" not found` }) : reply(200, rule);
      }
      const rule = body as RuleBody;
      const validate = req.method === 'POST' ? schemas.create : schemas.update;
      if (!validate(rule)) {
        // Kibana validates the body against the same schema and answers 400.
        schemaProblems.push(...schemaErrors(validate));
        return reply(400, { statusCode: 400, error: 'Bad Request', message: `[request body]: ${schemaErrors(validate).join(', ')}` });
      }
      if (req.method === 'POST') {
        if (rules.has(rule.rule_id) && !createAnswersConflict) return reply(409, { status_code: 409, message: `rule_id: "${rule.rule_id}" already exists` });
        const stored = { ...rule, id: 'b3b1b4a0-0000-4000-8000-000000000001', revision: 0, created_at: '2026-11-01T10:00:00.000Z', immutable: false, rule_source: { type: 'internal' } };
        rules.set(rule.rule_id, stored);
        if (createAnswersConflict) {
          createAnswersConflict = false;
          return reply(409, { status_code: 409, message: `rule_id: "${rule.rule_id}" already exists` });
        }
        return reply(200, stored);
      }
      const old = rules.get(rule.rule_id);
      if (old === undefined) return reply(404, { status_code: 404, message: 'not found' });
      const stored = { ...rule, id: old.id, created_at: old.created_at, revision: Number(old.revision) + 1, immutable: false, rule_source: old.rule_source };
      rules.set(rule.rule_id, stored);
      return reply(200, stored);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((res) => server.close(() => res()));
});
afterEach(() => {
  assert.deepEqual(schemaProblems, [], 'every body sent is valid against Kibana\'s published schema');
  received.length = 0;
  rules.clear();
  schemaProblems = [];
});

const client = (space = 'default') => new KibanaClient({ url: baseUrl, auth: { username: 'elastic', password: 'pw-not-echoed' }, space, maxRetries: 0, retryDelayMs: 1 });
const ours = (version = 1): RuleBody => ({ ...ruleBody('curl-proxy-findings', ECS_FIELD_TYPES), version });
const calls = () => received.map((r) => `${r.method} ${r.url}`);
const lookup = '/api/detection_engine/rules?rule_id=curl-proxy-detector-linux-proxy-socks-curl';

describe('installing the rule through the Detection Engine API', () => {
  it('creates the rule when the space has none, sending kbn-xsrf and the API version', async () => {
    const report = await ensureDetectionRule(client(), ours());
    assert.deepEqual(report, { ruleId: 'curl-proxy-detector-linux-proxy-socks-curl', name: 'Linux Proxy Socks Curl', version: 1, status: 'created', enabled: true });
    assert.deepEqual(calls(), [`GET ${lookup}`, 'POST /api/detection_engine/rules']);
    for (const r of received) {
      assert.equal(r.headers['elastic-api-version'], DETECTION_API_VERSION);
      assert.equal(r.headers['kbn-xsrf'], 'true');
    }
    assert.deepEqual(received[1]?.body, ours());
  });

  it('puts the space in front of the API', async () => {
    await ensureDetectionRule(client('secops'), ours());
    assert.deepEqual(calls(), [`GET /s/secops${lookup}`, 'POST /s/secops/api/detection_engine/rules']);
  });

  it('leaves a rule of the same version alone, whatever the user changed in it', async () => {
    rules.set(ours().rule_id, { ...ours(), enabled: false, query: 'edited by the user', exceptions_list: [{ id: 'e', list_id: 'l', namespace_type: 'single', type: 'rule_default' }] });
    const report = await ensureDetectionRule(client(), ours());
    assert.deepEqual([report.status, report.enabled, report.installedVersion], ['unchanged', false, 1]);
    assert.deepEqual(calls(), [`GET ${lookup}`], 'no write');
    assert.equal(rules.get(ours().rule_id)?.query, 'edited by the user');
  });

  it('updates a rule of a lower version with PUT, keeping the user\'s enabled state, exceptions and actions', async () => {
    const userOwned = {
      enabled: false,
      exceptions_list: [{ id: 'e', list_id: 'cpd-ci-hosts', namespace_type: 'single', type: 'rule_default' }],
      actions: [{ action_type_id: '.email', group: 'default', id: 'c0nn3ct0r', params: { to: ['soc@example.com'], message: 'x' }, frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } }],
      timeline_id: 't1',
      timeline_title: 'Process timeline',
    };
    rules.set(ours().rule_id, { ...ours(1), ...userOwned, id: 'abc', created_at: '2026-10-01T00:00:00.000Z', revision: 7 });
    const report = await ensureDetectionRule(client(), ours(2));
    assert.deepEqual([report.status, report.enabled, report.installedVersion, report.version], ['updated', false, 1, 2]);
    assert.deepEqual(calls(), [`GET ${lookup}`, 'PUT /api/detection_engine/rules']);
    const sent = received[1]?.body ?? {};
    for (const field of USER_OWNED_FIELDS) assert.deepEqual(sent[field], (userOwned as Record<string, unknown>)[field], field);
    assert.equal(sent.version, 2);
    assert.equal('id' in sent, false, 'addressed by rule_id');
  });

  it('leaves a rule that a newer release installed alone, and says so', async () => {
    rules.set(ours().rule_id, { ...ours(5) });
    const report = await ensureDetectionRule(client(), ours(1));
    assert.deepEqual([report.status, report.installedVersion], ['unchanged', 5]);
    assert.deepEqual(calls(), [`GET ${lookup}`]);
  });

  it('reads the rule again when a retried create answers 409, and then decides as for any installed rule', async () => {
    createAnswersConflict = true;
    const report = await ensureDetectionRule(client(), ours());
    assert.equal(report.status, 'unchanged');
    assert.deepEqual(calls(), [`GET ${lookup}`, 'POST /api/detection_engine/rules', `GET ${lookup}`]);
  });

  it('fails with Kibana\'s reason and without the password when the rule is refused, as a final error', async () => {
    await assert.rejects(ensureDetectionRule(client(), { ...ours(), risk_score: 560 }), (err: unknown) => {
      assert.ok(err instanceof KibanaError);
      assert.equal(err.retryable, false);
      assert.match(err.message, /creating the detection rule .*HTTP 400 Bad Request: \[request body\]: \/risk_score must be <= 100/);
      assert.ok(!err.message.includes('pw-not-echoed'));
      return true;
    });
    schemaProblems = [];
  });
});
