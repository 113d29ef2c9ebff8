import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { envKeys } from '../../../src/config/env.js';
import { leafKeys } from '../../../src/config/json-schema.js';
import { withConfigDocs } from '../../../scripts/update-readme.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('holds the configuration reference exactly as the schema renders it (run npm run docs)', () => {
    assert.equal(withConfigDocs(readme), readme);
  });

  it('documents every configuration key and every environment variable', () => {
    for (const { key } of leafKeys()) assert.ok(readme.includes(`\`${key}\``), `README lacks ${key}`);
    for (const env of Object.keys(envKeys)) assert.ok(readme.includes(env), `README lacks ${env}`);
  });

  it('gives exactly two quick-start commands: the demo and the tests', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5));
    const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
    const commands = block.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+#.*$/, '').trim());
    assert.deepEqual(commands, ['npm run demo', 'npm test']);
  });

  it('gives the same test command that CI runs', () => {
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    assert.ok(ci.split('\n').some((l) => l.trim() === 'npm test'), '.ci/run must run `npm test`');
  });
});
