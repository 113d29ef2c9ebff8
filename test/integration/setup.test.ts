import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { formatStep } from '../../src/setup/report.js';
import { detectIlm } from '../../src/setup/ilm.js';
import { runSetup, type SetupReport, type SetupStep } from '../../src/setup/setup.js';
import { esUrl, testEsClient, uniqueName } from '../helpers/services.js';

// `setup` against the real Elasticsearch, with an alias of its own. The local cluster has no
// ILM, so the run must still install the template and write alias and say so in one notice;
// where the cluster has ILM, the same test checks the policy instead. Kibana is not
// available here: its part is covered by test/unit/setup (artefact and client tests).

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI as a user would, in a child process; returns exit code and output. */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'curl-proxy-detector', ...process.argv.slice(1)]);", '--', ...args],
    { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' }, timeout: 120_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('setup against the real Elasticsearch', () => {
  let es: Client;
  const alias = uniqueName('cpdt-setup');
  let config: Config;
  let ilmAvailable = false;
  let first: SetupReport;
  const printed: string[] = [];

  /** What `setup` installed, as Elasticsearch returns it: template, index settings and aliases. */
  async function snapshot(): Promise<unknown> {
    const templates = await Promise.all([alias, `${alias}-alerts`].map(async (name) => (await es.indices.getIndexTemplate({ name })).index_templates));
    const index = await es.indices.get({ index: `${alias}-*`, expand_wildcards: 'all' });
    return { templates, index };
  }

  before(async () => {
    es = testEsClient();
    config = loadConfig({ env: {}, flags: { 'elasticsearch.url': esUrl, 'sink.findingsAlias': alias } });
    ilmAvailable = (await detectIlm(es)).available;
    first = await runSetup(config, { onStep: (s) => printed.push(formatStep(s)) });
  });

  after(async () => {
    await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' });
    for (const name of [alias, `${alias}-alerts`]) await es.indices.deleteIndexTemplate({ name }, { ignore: [404] });
    if (ilmAvailable) await es.ilm.deleteLifecycle({ name: config.sink.ilmPolicy }, { ignore: [404, 400] });
    await es.close();
  });

  const stepOf = <K extends SetupStep['step']>(report: SetupReport, step: K): Extract<SetupStep, { step: K }> | undefined =>
    report.steps.find((s): s is Extract<SetupStep, { step: K }> => s.step === step);

  it('creates the template and <alias>-000001 behind the write alias on the first run', async () => {
    assert.equal(first.changed, true);
    assert.equal(stepOf(first, 'template')?.status, 'created');
    assert.deepEqual(stepOf(first, 'write-index'), { step: 'write-index', alias, index: `${alias}-000001`, status: 'created' });

    const template = (await es.indices.getIndexTemplate({ name: alias })).index_templates[0]?.index_template;
    assert.deepEqual(template?.index_patterns, [`${alias}-*`]);
    const aliases = await es.indices.getAlias({ name: alias });
    assert.deepEqual(aliases, { [`${alias}-000001`]: { aliases: { [alias]: { is_write_index: true } } } });
    const mapping = await es.indices.getMapping({ index: `${alias}-000001` });
    assert.equal(mapping[`${alias}-000001`]?.mappings.dynamic, 'strict', 'the findings mapping came from the template');
  });

  it('prints one notice when the cluster has no ILM, or installs the policy when it has', async () => {
    if (!ilmAvailable) {
      const notices = printed.filter((l) => l.startsWith('notice:'));
      assert.deepEqual(notices, [`notice: ILM is not available on this cluster: findings go to ${alias}-000001 without rollover; rotate manually or add ILM`]);
      assert.equal(stepOf(first, 'ilm-policy'), undefined);
      const settings = await es.indices.getSettings({ index: `${alias}-000001`, flat_settings: true });
      assert.equal((settings[`${alias}-000001`]?.settings as Record<string, unknown>)['index.lifecycle.name'], undefined);
    } else {
      assert.equal(stepOf(first, 'ilm-policy')?.status, 'created');
      const settings = await es.indices.getSettings({ index: `${alias}-000001`, flat_settings: true });
      assert.equal((settings[`${alias}-000001`]?.settings as Record<string, unknown>)['index.lifecycle.name'], config.sink.ilmPolicy);
    }
    assert.match(printed.join('\n'), /Kibana +saved objects and rule +skipped: no Kibana URL given/);
  });

  it('decides the field types from the cluster, and creates the hidden alert-source index with them', async () => {
    // This node has neither the wildcard nor the mapper-extras module: keyword and text.
    assert.deepEqual(first.fieldTypes, { wildcard: false, matchOnlyText: false });
    assert.deepEqual(stepOf(first, 'field-types'), { step: 'field-types', wildcard: false, matchOnlyText: false });
    assert.equal(stepOf(first, 'alerts-template')?.status, 'created');
    assert.deepEqual(stepOf(first, 'alerts-index'), { step: 'alerts-index', index: `${alias}-alerts`, status: 'created' });
    const mapping = await es.indices.getMapping({ index: [`${alias}-000001`, `${alias}-alerts`] });
    for (const index of [`${alias}-000001`, `${alias}-alerts`]) {
      const props = mapping[index]?.mappings.properties as Record<string, { type?: string; properties?: Record<string, { type?: string }> }>;
      assert.equal(props['process']?.properties?.['command_line']?.type, 'keyword', index);
      assert.equal(props['message']?.type, 'text', index);
    }
    const settings = await es.indices.getSettings({ index: `${alias}-alerts`, flat_settings: true });
    assert.equal(settings[`${alias}-alerts`]?.settings?.['index.hidden'], 'true');
    assert.match(printed.join('\n'), new RegExp(`^alert sources +${alias}-alerts \\(hidden\\) +created$`, 'm'));
  });

  it('changes nothing on a second run and reports every step unchanged', async () => {
    const before = await snapshot();
    const second = await runSetup(config);
    assert.equal(second.changed, false);
    for (const s of second.steps) {
      if ('status' in s) assert.equal(s.status, 'unchanged', `${s.step} on the second run`);
    }
    assert.deepEqual(await snapshot(), before, 'template, index settings, mappings and aliases are the same after the second run');
  });

  it('says so from the command line too: exit code 0 and "nothing changed", or a JSON report', () => {
    const text = cli(['--es-url', esUrl, '--set', `sink.findingsAlias=${alias}`, 'setup']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^index template +${alias} \\(for ${alias}-\\*\\) +unchanged$`, 'm'));
    assert.match(text.stdout, /^setup: everything was already in place; nothing changed$/m);

    const json = cli(['--es-url', esUrl, '--set', `sink.findingsAlias=${alias}`, 'setup', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as SetupReport;
    assert.equal(report.alias, alias);
    assert.equal(report.changed, false);
  });

  it('exits 2 on a configuration error before touching Elasticsearch', async () => {
    const other = uniqueName('cpdt-setup-bad');
    const r = cli(['--es-url', esUrl, '--set', `sink.findingsAlias=${other}`, 'setup', '--kibana-url', 'http://127.0.0.1:9', '--kibana-username', 'elastic']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /config error: kibana\.password: expected a password with kibana\.username, got nothing/);
    assert.equal(await es.indices.existsIndexTemplate({ name: other }), false, 'nothing was installed');

    const both = cli(['setup', '--kibana-api-key', 'k', '--kibana-username', 'u']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --kibana-api-key or --kibana-username\/--kibana-password, not both/);
  });
});
