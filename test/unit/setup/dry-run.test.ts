import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ECS_FIELD_TYPES } from '../../../src/sink/field-types.js';
import { ruleBody } from '../../../src/setup/detection-rule.js';
import type { PlannedRequest } from '../../../src/setup/plan.js';
import { loadRuleSchemas, schemaErrors } from '../../helpers/kibana-schema.js';

// `setup --dry-run --json` as a user runs it, against an "Elasticsearch" and a "Kibana" that
// record every connection: it must print the requests and make none.

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let server: Server;
let url: string;
let connections = 0;

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(500);
    res.end();
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((res) => server.close(() => res()));
});

/** Runs the CLI in a child process without blocking this one (the recording server keeps answering). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);", '--', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', KIBANA_PASSWORD: 'pw-never-printed' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('setup --dry-run --json', () => {
  it('prints every request as {service, method, path, body}, the rule as the body of POST /api/detection_engine/rules, and sends nothing', { timeout: 120_000 }, async () => {
    const r = await cli(['--es-url', url, 'setup', '--dry-run', '--json', '--kibana-url', url, '--kibana-username', 'elastic']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(connections, 0, 'no connection was opened to Elasticsearch or Kibana');
    const plan = JSON.parse(r.stdout) as PlannedRequest[];
    for (const p of plan) {
      assert.deepEqual(Object.keys(p).filter((k) => !['service', 'method', 'path', 'body', 'when'].includes(k)), []);
      assert.ok(['elasticsearch', 'kibana'].includes(p.service));
    }
    const create = plan.find((p) => p.service === 'kibana' && p.method === 'POST' && p.path === '/api/detection_engine/rules');
    assert.deepEqual(create?.body, ruleBody('curl-proxy-findings', ECS_FIELD_TYPES));
    const schemas = await loadRuleSchemas();
    assert.ok(schemas.create(create?.body), schemaErrors(schemas.create).join('; '));
    assert.ok(!r.stdout.includes('pw-never-printed'));
  });

  it('prints the same requests as text without --json, each conditional one with its condition', { timeout: 120_000 }, async () => {
    const r = await cli(['--es-url', url, 'setup', '--dry-run', '--kibana-url', url, '--kibana-username', 'elastic']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(connections, 0);
    assert.match(r.stdout, /^POST kibana \/api\/detection_engine\/rules$/m);
    assert.match(r.stdout, /^# only when no rule with rule_id curl-proxy-detector-linux-proxy-socks-curl is in the space/m);
    assert.match(r.stdout, /^PUT elasticsearch \/_index_template\/curl-proxy-findings-alerts$/m);
  });
});
