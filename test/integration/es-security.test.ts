import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { errors, type Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createElasticsearchClient } from '../../src/clients/elasticsearch.js';
import type { Config } from '../../src/config/schema.js';
import { InputError } from '../../src/errors.js';
import { toServiceError } from '../../src/source/errors.js';
import { spawnCli } from '../helpers/child-worker.js';
import { securedConfig, startSecuredEs, type SecuredEs } from '../helpers/es-secured.js';
import { readFindings, testConfig, testNames, type TestNames } from '../helpers/pipeline.js';
import { comparable, day, expectedFindings, loadScenario, scenarioSuppressions } from '../helpers/scenario.js';
import { deleteKeys, testRedis } from '../helpers/services.js';
import { makeTestPki, type TestPki } from '../helpers/tls.js';

// Elasticsearch security as a deployment uses it: HTTPS with a private CA (caFile, caFingerprint),
// basic auth, API keys, and the least-privilege roles of docs/setup.md, through the product's
// client and its CLI (built dist/).
//
// Needs: the integ-test distribution's x-pack-security module, openssl, and a JDK (es.sh
// ES_SECURITY=1 builds the small plugin the .security index needs for the Java that runs the
// node; as root on Debian it installs one), plus the test Redis (REDIS_URL). Starts its own secured single node with scripts/es.sh on
// CPD_SECURED_ES_PORT (default 9260, transport +100) with an empty data dir, and stops it in
// after(), also when a test fails; the main test Elasticsearch is not used.

const port = Number(process.env.CPD_SECURED_ES_PORT ?? '9260');
const backfillRange = ['--from', `${day}T00:00:00Z`, '--to', `${day}T23:59:59Z`];

describe('Elasticsearch with security on', { timeout: 300_000 }, () => {
  let node: SecuredEs;
  let redis: Redis;
  const keyPrefixes: string[] = [];

  before(async () => {
    redis = testRedis();
    node = await startSecuredEs(port);
  });
  after(async () => {
    await node?.stop();
    for (const prefix of keyPrefixes) await deleteKeys(redis, `${prefix}:*`);
    redis?.disconnect();
  });

  /** The product's client for the node with the given elasticsearch.* settings. */
  function client(flags: Record<string, unknown>): Client {
    return createElasticsearchClient(securedConfig(node.url, flags).elasticsearch);
  }
  const superuserFlags = () => ({ 'elasticsearch.username': node.superuser.username, 'elasticsearch.password': node.superuser.password });

  /** A CLI config on the node: the test's names and Redis prefix, the scenario's suppression. */
  function cliConfig(names: TestNames, flags: Record<string, unknown> = {}): Config {
    keyPrefixes.push(names.keyPrefix);
    return testConfig(names, { 'elasticsearch.url': node.url, 'rule.suppressions': JSON.stringify(scenarioSuppressions), ...flags });
  }

  /** Runs the CLI with credentials in the environment (as a deployment passes them). */
  async function cli(config: Config, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | string | null; output: string }> {
    const child = spawnCli(config, args, { CPD__HEALTH__ENABLED: 'false', ...env });
    const timer = setTimeout(() => void child.kill('SIGKILL'), 90_000);
    const code = await child.exited;
    clearTimeout(timer);
    return { code, output: child.output() };
  }

  function assertOneErrorLine(output: string, secrets: readonly string[]): string {
    const errorLines = output.split('\n').filter((l) => l.startsWith('curl-proxy-detector: '));
    assert.equal(errorLines.length, 1, output);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    for (const secret of secrets) assert.ok(!output.includes(secret), `a secret leaked into:\n${output}`);
    return errorLines[0] as string;
  }

  /** Another throw-away CA, removed after `fn`. */
  async function withOtherCa(fn: (other: TestPki) => Promise<void>): Promise<void> {
    const other = makeTestPki();
    try {
      await fn(other);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  }

  async function assertForbidden(what: string, request: Promise<unknown>): Promise<void> {
    await assert.rejects(request, (err: unknown) => {
      assert.ok(err instanceof errors.ResponseError, `${what}: expected an HTTP error, got ${String(err)}`);
      assert.equal(err.statusCode, 403, `${what}: ${err.message}`);
      return true;
    });
  }

  describe('TLS', () => {
    it('reaches cluster health over HTTPS when elasticsearch.caFile names the CA that signed the node', async () => {
      const es = client({ 'elasticsearch.caFile': node.pki.caCert, ...superuserFlags() });
      try {
        const health = await es.cluster.health();
        assert.match(health.status, /^(green|yellow)$/);
      } finally {
        await es.close();
      }
    });

    it('refuses a node whose certificate another CA signed, with a certificate error and without hanging', async () => {
      await withOtherCa(async (other) => {
        // The product's default retries included: the error must still come back promptly.
        const es = client({ 'elasticsearch.caFile': other.caCert, ...superuserFlags() });
        const started = Date.now();
        try {
          await assert.rejects(es.cluster.health(), (err: unknown) => {
            assert.ok(err instanceof errors.ConnectionError, String(err));
            assert.match(err.message, /certificate/);
            return true;
          });
          assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
        } finally {
          await es.close();
        }
      });
    });

    it('reports the untrusted certificate from the CLI in one line, without the password', async () => {
      await withOtherCa(async (other) => {
        const config = cliConfig(testNames('tls-cli'), { 'elasticsearch.maxRetries': 0 });
        const { code, output } = await cli(config, ['setup'], { ELASTICSEARCH_CA_FILE: other.caCert, ELASTICSEARCH_USERNAME: node.superuser.username, ELASTICSEARCH_PASSWORD: node.superuser.password });
        assert.equal(code, 2, `an untrusted certificate is a configuration problem, not worth retrying:\n${output}`);
        assert.match(assertOneErrorLine(output, [node.superuser.password]), /certificate/);
      });
    });

    it(
      'reaches cluster health with only elasticsearch.caFingerprint, the SHA-256 of the CA',
      async () => {
        const es = client({ 'elasticsearch.caFingerprint': node.pki.caFingerprint, 'elasticsearch.maxRetries': 0, ...superuserFlags() });
        try {
          assert.match((await es.cluster.health()).status, /^(green|yellow)$/);
        } finally {
          await es.close();
        }
      },
    );

    it('refuses the node when elasticsearch.caFingerprint is another CA\'s', async () => {
      await withOtherCa(async (other) => {
        const es = client({ 'elasticsearch.caFingerprint': other.caFingerprint, 'elasticsearch.maxRetries': 0, ...superuserFlags() });
        try {
          await assert.rejects(es.cluster.health(), (err: unknown) => err instanceof errors.ConnectionError && /certificate|fingerprint/i.test(err.message));
        } finally {
          await es.close();
        }
      });
    });
  });

  describe('basic auth', () => {
    it('logs in the file-realm superuser', async () => {
      const es = client({ 'elasticsearch.caFile': node.pki.caCert, ...superuserFlags() });
      try {
        const me = await es.security.authenticate();
        assert.equal(me.username, node.superuser.username);
        assert.equal(me.authentication_realm.type, 'file');
      } finally {
        await es.close();
      }
    });

    it('maps a wrong password (HTTP 401) to a non-retryable InputError that does not carry the password', async () => {
      const wrong = 'not-the-Passw0rd';
      const es = client({ 'elasticsearch.caFile': node.pki.caCert, 'elasticsearch.username': node.superuser.username, 'elasticsearch.password': wrong });
      try {
        const err = await es.cluster.health().then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof errors.ResponseError, String(err));
        assert.equal(err.statusCode, 401);
        const mapped = toServiceError(err, 'checking health');
        assert.ok(mapped instanceof InputError, mapped.name);
        assert.equal(mapped.retryable, false);
        assert.match(mapped.message, /HTTP 401 security_exception/);
        assert.ok(!mapped.message.includes(wrong));
      } finally {
        await es.close();
      }
    });

    it('makes setup and a backfill exit with code 2 and one line on a wrong password', { timeout: 120_000 }, async () => {
      const wrong = 'not-the-Passw0rd';
      const env = { ELASTICSEARCH_CA_FILE: node.pki.caCert, ELASTICSEARCH_USERNAME: node.superuser.username, ELASTICSEARCH_PASSWORD: wrong };
      const config = cliConfig(testNames('auth-cli'));
      const setup = await cli(config, ['setup'], env);
      assert.equal(setup.code, 2, setup.output);
      assert.equal(setup.output.trim().split('\n').length, 1, setup.output);
      assert.match(assertOneErrorLine(setup.output, [wrong, node.superuser.password]), /HTTP 401 .*\[CPD_INPUT_INVALID\]$/);
      const backfill = await cli(config, ['backfill', ...backfillRange, '--wait'], env);
      assert.equal(backfill.code, 2, backfill.output);
      assert.match(assertOneErrorLine(backfill.output, [wrong, node.superuser.password]), /HTTP 401 .*\[CPD_INPUT_INVALID\]$/);
    });
  });

  describe('API key', () => {
    const names = testNames('apikey');
    let key: { id: string; encoded: string; api_key: string };

    before(async () => {
      key = await node.admin.security.createApiKey({ name: names.prefix });
      await loadScenario(node.admin, names);
    });

    it('authenticates the product\'s client as the key', async () => {
      const es = client({ 'elasticsearch.caFile': node.pki.caCert, 'elasticsearch.apiKey': key.encoded });
      try {
        const me = await es.security.authenticate();
        assert.equal(me.authentication_type, 'api_key');
        assert.equal(me.api_key?.id, key.id);
      } finally {
        await es.close();
      }
    });

    it('runs a backfill through the CLI with ELASTICSEARCH_API_KEY and writes exactly the expected findings', { timeout: 120_000 }, async () => {
      const config = cliConfig(names);
      const { code, output } = await cli(config, ['backfill', ...backfillRange, '--wait', '--json'], { ELASTICSEARCH_CA_FILE: node.pki.caCert, ELASTICSEARCH_API_KEY: key.encoded });
      assert.equal(code, 0, output);
      const last = JSON.parse(output.trim().split('\n').filter((l) => l.startsWith('{"backfill"')).pop() ?? '{}') as Record<string, unknown>;
      assert.equal(last.status, 'done', output);
      assert.deepEqual(comparable(await readFindings(node.admin, names.alias)), expectedFindings);
      for (const secret of [key.encoded, key.api_key]) assert.ok(!output.includes(secret), `the API key leaked into:\n${output}`);
    });

    it('refuses an invalidated key with exit code 2 and one line that does not show the key', async () => {
      await node.admin.security.invalidateApiKey({ ids: [key.id] });
      const { code, output } = await cli(cliConfig(names), ['setup'], { ELASTICSEARCH_CA_FILE: node.pki.caCert, ELASTICSEARCH_API_KEY: key.encoded });
      assert.equal(code, 2, output);
      assert.match(assertOneErrorLine(output, [key.encoded, key.api_key]), /HTTP 401/);
    });
  });

  describe('the least-privilege roles of docs/setup.md', () => {
    // Indices named to fall under the documented patterns (the defaults of source.indexPatterns
    // and sink.findingsAlias), so the roles are used exactly as documented.
    const base = testNames('roles');
    const sources = {
      defend: `logs-endpoint.events.process-${base.prefix}`,
      auditd: `logs-auditd_manager.auditd-${base.prefix}`,
      auditbeat: `auditbeat-${base.prefix}`,
      sysmon: `logs-sysmon_linux.log-${base.prefix}`,
    };
    const names: TestNames = { ...base, alias: `curl-proxy-findings-${base.prefix}`, index: (kind) => sources[kind as keyof typeof sources] ?? `${base.prefix}-${kind}` };
    const roles = documentedRoles();
    const worker = { username: 'cpd-worker', password: `worker-${base.prefix}` };
    const setupUser = { username: 'cpd-setup', password: `setup-${base.prefix}` };
    let config: Config;
    const env = (u: { username: string; password: string }) => ({ ELASTICSEARCH_CA_FILE: node.pki.caCert, ELASTICSEARCH_USERNAME: u.username, ELASTICSEARCH_PASSWORD: u.password });
    const clientAs = (u: { username: string; password: string }) => client({ 'elasticsearch.caFile': node.pki.caCert, 'elasticsearch.username': u.username, 'elasticsearch.password': u.password });

    before(async () => {
      for (const [name, role] of Object.entries(roles)) await node.admin.security.putRole({ name, ...role });
      await node.admin.security.putUser({ username: worker.username, password: worker.password, roles: ['curl-proxy-detector'] });
      await node.admin.security.putUser({ username: setupUser.username, password: setupUser.password, roles: ['curl-proxy-detector-setup'] });
      await loadScenario(node.admin, names);
      config = cliConfig(names, { 'source.indexPatterns': Object.values(sources) });
    });

    it('documents the worker role and the setup role', () => {
      assert.deepEqual(Object.keys(roles).sort(), ['curl-proxy-detector', 'curl-proxy-detector-setup']);
    });

    it('stops a worker started before setup with exit code 2 and the 403 naming the privilege', async () => {
      const { code, output } = await cli(config, ['run'], env(worker));
      assert.equal(code, 2, output);
      assert.match(assertOneErrorLine(output, [worker.password]), /HTTP 403 security_exception: action \[indices:admin\/index_template\/put\] is unauthorized for user \[cpd-worker\]/);
    });

    it('lets the setup user run setup', async () => {
      const { code, output } = await cli(config, ['setup'], env(setupUser));
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`index template +${names.alias} \\(for ${names.alias}-\\*\\) +created`));
      assert.match(output, new RegExp(`write index +${names.alias}-000001 behind alias ${names.alias} +created`));
    });

    it('lets the worker run a backfill that writes exactly the expected findings', { timeout: 120_000 }, async () => {
      const { code, output } = await cli(config, ['backfill', ...backfillRange, '--wait', '--json'], env(worker));
      assert.equal(code, 0, output);
      assert.deepEqual(comparable(await readFindings(node.admin, names.alias)), expectedFindings);
    });

    it('forbids the worker to delete findings or their index, to write to the sources and to change templates', async () => {
      const es = clientAs(worker);
      try {
        const [finding] = await readFindings(node.admin, names.alias);
        assert.ok(finding !== undefined);
        await assertForbidden('delete the findings index', es.indices.delete({ index: `${names.alias}-000001` }));
        await assertForbidden('delete a finding', es.delete({ index: `${names.alias}-000001`, id: finding.id }));
        await assertForbidden('write to a source index', es.index({ index: sources.defend, document: { message: 'forged' } }));
        await assertForbidden('create a findings index', es.indices.create({ index: `${names.alias}-000002` }));
        await assertForbidden('change the findings template', es.indices.putIndexTemplate({ name: names.alias, index_patterns: [`${names.alias}-*`] }));
      } finally {
        await es.close();
      }
    });

    it('forbids the setup user to read the source indices or write findings', async () => {
      const es = clientAs(setupUser);
      try {
        await assertForbidden('search a source index', es.search({ index: sources.defend }));
        await assertForbidden('write a finding', es.index({ index: names.alias, document: { message: 'forged' } }));
      } finally {
        await es.close();
      }
    });
  });
});

/** The role bodies of docs/setup.md, parsed from its `PUT _security/role/<name>` JSON blocks. */
function documentedRoles(): Record<string, { cluster: string[]; indices: { names: string[]; privileges: string[] }[] }> {
  const doc = readFileSync(new URL('../../docs/setup.md', import.meta.url), 'utf8');
  const out: ReturnType<typeof documentedRoles> = {};
  for (const m of doc.matchAll(/PUT _security\/role\/([\w-]+)`:\s*```json\n([\s\S]*?)```/g)) {
    out[m[1] as string] = JSON.parse(m[2] as string) as ReturnType<typeof documentedRoles>[string];
  }
  return out;
}
