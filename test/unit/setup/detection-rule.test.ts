import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { RULE_METADATA } from '../../../src/rule/metadata.js';
import { ALERT_SOURCE_DATASET } from '../../../src/sink/alert-source.js';
import { ECS_FIELD_TYPES } from '../../../src/sink/field-types.js';
import { RULE_INTERVAL, RULE_LOOKBACK_MS, RULE_MAX_SIGNALS, RULE_VERSION, ruleBody, ruleId, ruleUpdateBody, USER_OWNED_FIELDS } from '../../../src/setup/detection-rule.js';
import { planSetup } from '../../../src/setup/plan.js';
import { loadRuleSchemas, schemaErrors, type RuleSchemas } from '../../helpers/kibana-schema.js';

// The rule `setup` installs, checked against Kibana's published OpenAPI schema of the Detection
// Engine (test/fixtures/kibana/detection-rules-openapi.yaml: source path, commit and version in
// its header). Kibana itself cannot run here; docs/setup.md says how to check against a real one.

const FALLBACK = { wildcard: false, matchOnlyText: false };

/** A rule as Kibana answers GET /api/detection_engine/rules, after a user changed what is theirs. */
function installedRule(version: number): Record<string, unknown> {
  return {
    ...ruleBody('curl-proxy-findings', ECS_FIELD_TYPES),
    id: '6541b99a-dee9-4f6d-a86d-dbd1869d73b1',
    version,
    revision: 4,
    immutable: false,
    rule_source: { type: 'internal' },
    created_at: '2026-11-01T10:00:00.000Z',
    created_by: 'elastic',
    updated_at: '2026-11-02T10:00:00.000Z',
    updated_by: 'analyst',
    enabled: false,
    query: 'event.dataset: "curl_proxy_detector.alert" and not host.name: "build-*"',
    exceptions_list: [{ id: 'b5f2a6e0-7c1d-4c8e-9a21-1f0f3a9d2c11', list_id: 'cpd-ci-hosts', namespace_type: 'single', type: 'rule_default' }],
    actions: [
      {
        action_type_id: '.slack',
        group: 'default',
        id: '5ad22cd5-5e6e-4c6c-a81a-54b626a4cec5',
        params: { message: 'curl through a proxy on {{context.alerts.0.host.name}}' },
        uuid: '1f9a6c2e-1234-4bcd-9f00-aa11bb22cc33',
        frequency: { summary: true, notifyWhen: 'onActiveAlert', throttle: null },
      },
    ],
    timeline_id: 'db366523-f1c6-4c1f-8731-6ce5ed9e5717',
    timeline_title: 'Generic Process Timeline',
    execution_summary: { last_execution: { date: '2026-11-02T10:05:00.000Z', status: 'succeeded', status_order: 0, message: '', metrics: {} } },
  };
}

describe('the Elastic Security rule setup installs', () => {
  let schemas: RuleSchemas;
  before(async () => {
    schemas = await loadRuleSchemas();
  });

  it('is a valid QueryRuleCreateProps of Kibana\'s published schema, on a cluster with and without the ECS field types', () => {
    for (const types of [ECS_FIELD_TYPES, FALLBACK]) {
      for (const alias of ['curl-proxy-findings', 'team-a-findings']) {
        const body = ruleBody(alias, types);
        assert.ok(schemas.create(body), schemaErrors(schemas.create).join('; '));
      }
    }
  });

  it('names only properties the schema defines (the schema itself would let a misspelt one through)', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    assert.deepEqual(Object.keys(body).filter((k) => !schemas.createProperties.has(k)), []);
  });

  it('is what the validator is strict about: a wrong risk score, severity, rule type or a missing name fails', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    const { name: _name, ...noName } = body;
    for (const bad of [
      { ...body, risk_score: 560 },
      { ...body, severity: 'urgent' },
      { ...body, type: 'eql' },
      noName,
      { ...body, threat: [{ framework: 'MITRE ATT&CK' }] },
      { ...body, exceptions_list: [{ id: 'x', list_id: 'y', type: 'detection' }] },
      { ...body, actions: [{ action_type_id: '.slack', id: 'c', params: {}, frequency: { summary: true, notifyWhen: 'sometimes', throttle: null } }] },
      { ...body, max_signals: 0 },
    ]) {
      assert.equal(schemas.create(bad), false, JSON.stringify(bad).slice(0, 80));
    }
  });

  it('carries the analytic: name, medium severity, risk 56, TA0011 with T1090 and T1095 and their references', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    assert.equal(body.name, 'Linux Proxy Socks Curl');
    assert.equal(body.severity, 'medium');
    assert.equal(body.risk_score, 56);
    assert.deepEqual(body.threat, [
      {
        framework: 'MITRE ATT&CK',
        tactic: { id: 'TA0011', name: 'Command and Control', reference: 'https://attack.mitre.org/tactics/TA0011/' },
        technique: [
          { id: 'T1090', name: 'Proxy', reference: 'https://attack.mitre.org/techniques/T1090/', subtechnique: [] },
          { id: 'T1095', name: 'Non-Application Layer Protocol', reference: 'https://attack.mitre.org/techniques/T1095/', subtechnique: [] },
        ],
      },
    ]);
    for (const ref of [...RULE_METADATA.reference, 'https://attack.mitre.org/techniques/T1090/', 'https://attack.mitre.org/techniques/T1095/']) assert.ok((body.references as string[]).includes(ref), ref);
    assert.deepEqual(body.author, ['Michael Haag, Splunk', 'curl-proxy-detector']);
    assert.equal(body.license, 'Apache-2.0');
    assert.ok((body.tags as string[]).includes('Tactic: Command and Control'));
  });

  it('reads only the alert-source documents, on event.ingested, without falling back to @timestamp', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    assert.deepEqual(body.index, ['curl-proxy-findings-alerts']);
    assert.equal(body.query, `event.dataset: "${ALERT_SOURCE_DATASET}"`);
    assert.equal(body.language, 'kuery');
    assert.equal(body.timestamp_override, 'event.ingested');
    assert.equal(body.timestamp_override_fallback_disabled, true);
  });

  it('runs every 5 minutes looking 5 more minutes back, and may raise up to 1,000 alerts a run', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    assert.equal(body.interval, RULE_INTERVAL);
    assert.equal(body.from, 'now-10m');
    assert.equal(body.to, 'now');
    assert.equal(RULE_LOOKBACK_MS, 300_000);
    assert.equal(body.max_signals, RULE_MAX_SIGNALS);
    assert.equal(RULE_MAX_SIGNALS, 1_000);
  });

  it('lists the fields it needs with the types the cluster maps them with', () => {
    const fieldsOf = (types: typeof FALLBACK) => Object.fromEntries((ruleBody('x', types).required_fields as { name: string; type: string }[]).map((f) => [f.name, f.type]));
    assert.equal(fieldsOf(ECS_FIELD_TYPES)['process.command_line'], 'wildcard');
    assert.equal(fieldsOf(FALLBACK)['process.command_line'], 'keyword');
    for (const f of ['host.name', 'user.name', 'event.ingested', 'event.dataset']) assert.ok(f in fieldsOf(FALLBACK), f);
  });

  it('has an investigation guide written from the analytic\'s how-to and known false positives, and a setup guide', () => {
    const body = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
    assert.match(String(body.note), /## Triage and analysis/);
    assert.match(String(body.note), /Limited false positives in organization\. Filter as needed\./);
    assert.match(String(body.note), /finding\.id/);
    assert.match(String(body.setup), /curl-proxy-findings-alerts/);
    assert.ok((body.false_positives as string[]).length > 0);
  });

  it('has a stable rule_id per findings alias, so two deployments in one space get two rules', () => {
    assert.equal(ruleId('curl-proxy-findings'), 'curl-proxy-detector-linux-proxy-socks-curl');
    assert.equal(ruleId('team-a-findings'), 'curl-proxy-detector-linux-proxy-socks-curl-team-a-findings');
    assert.equal(ruleBody('curl-proxy-findings', ECS_FIELD_TYPES).rule_id, ruleId('curl-proxy-findings'));
    assert.equal(ruleBody('curl-proxy-findings', ECS_FIELD_TYPES).version, RULE_VERSION);
  });
});

describe('updating an installed rule (PUT)', () => {
  let schemas: RuleSchemas;
  before(async () => {
    schemas = await loadRuleSchemas();
  });

  const ours = ruleBody('curl-proxy-findings', ECS_FIELD_TYPES);
  const body = ruleUpdateBody({ ...ours, version: 2 }, installedRule(1));

  it('is a valid QueryRuleUpdateProps of Kibana\'s published schema, actions with a null throttle included', () => {
    assert.ok(schemas.update(body), schemaErrors(schemas.update).join('; '));
    assert.deepEqual(Object.keys(body).filter((k) => !schemas.updateProperties.has(k)), []);
  });

  it('keeps what the user owns exactly as installed: enabled state, exceptions, actions, timeline template', () => {
    const installed = installedRule(1);
    for (const field of USER_OWNED_FIELDS) assert.deepEqual(body[field], installed[field], field);
    assert.equal(body.enabled, false);
  });

  it('replaces what we own (query, schedule, version) and sends none of the fields Kibana computes', () => {
    assert.equal(body.query, ours.query);
    assert.equal(body.version, 2);
    for (const computed of ['id', 'revision', 'immutable', 'rule_source', 'created_at', 'updated_at', 'execution_summary']) assert.equal(computed in body, false, computed);
  });
});

describe('setup --dry-run', () => {
  let schemas: RuleSchemas;
  before(async () => {
    schemas = await loadRuleSchemas();
  });

  const config = (flags: Record<string, unknown>) => loadConfig({ env: {}, defaultsDir: '/nonexistent', flags: { 'elasticsearch.url': 'http://127.0.0.1:1', ...flags } });

  it('lists the rule as the body of POST /api/detection_engine/rules, valid against the schema, after the lookup by rule_id', () => {
    const plan = planSetup(config({ 'kibana.url': 'http://kibana.example:5601' }));
    const kibana = plan.filter((r) => r.service === 'kibana').map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(kibana, [
      'POST /api/saved_objects/_export',
      'POST /api/saved_objects/_import?overwrite=true',
      'GET /api/detection_engine/rules?rule_id=curl-proxy-detector-linux-proxy-socks-curl',
      'POST /api/detection_engine/rules',
    ]);
    const create = plan.find((r) => r.method === 'POST' && r.path === '/api/detection_engine/rules');
    assert.deepEqual(create?.body, ruleBody('curl-proxy-findings', ECS_FIELD_TYPES));
    assert.ok(schemas.create(create?.body), schemaErrors(schemas.create).join('; '));
  });

  it('puts the space in front of every Kibana path and gives the saved objects the space\'s ids', () => {
    const plan = planSetup(config({ 'kibana.url': 'http://kibana.example:5601', 'kibana.space': 'secops' }));
    for (const r of plan.filter((x) => x.service === 'kibana')) assert.match(r.path, /^\/s\/secops\/api\//);
    const exported = plan.find((r) => r.path.endsWith('_export'))?.body as { objects: { id: string }[] };
    assert.ok(exported.objects.every((o) => o.id.endsWith('-secops')));
  });

  it('has no Kibana request without a Kibana URL, and every Elasticsearch request setup makes, with JSON bodies as JSON', () => {
    const plan = planSetup(config({}));
    assert.equal(plan.some((r) => r.service === 'kibana'), false);
    const paths = plan.map((r) => `${r.method} ${r.path}`);
    for (const p of ['GET /_ilm/status', 'PUT /_index_template/curl-proxy-findings', 'PUT /curl-proxy-findings-000001', 'PUT /_index_template/curl-proxy-findings-alerts', 'PUT /curl-proxy-findings-alerts']) assert.ok(paths.includes(p), p);
    for (const r of plan) assert.ok(r.body === null || typeof r.body === 'object', `${r.method} ${r.path}`);
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(plan))), JSON.stringify(plan), 'plain JSON');
  });
});
