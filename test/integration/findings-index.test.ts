import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, estypes } from '@elastic/elasticsearch';
import { ensureFindingsIndex, loadFindingsTemplate } from '../../src/sink/findings-index.js';
import { testEsClient, uniqueName } from '../helpers/services.js';

// A deployment made with template version 1 (before finding.proxies.refused) must accept
// findings that carry the new field once the worker or `setup` installs version 2: the
// indices already behind the alias get the new field too, not only indices made later.

describe('the findings index after a template upgrade', () => {
  let es: Client;
  const alias = uniqueName('cpdt-upgrade');

  before(async () => {
    es = testEsClient();
    const file = loadFindingsTemplate();
    const old = JSON.parse(JSON.stringify(file)) as typeof file;
    const mappings = old.template.mappings as { _meta: { template_version: number }; properties: Record<string, any> };
    delete mappings.properties['finding'].properties.proxies.properties.refused;
    mappings._meta.template_version = 1;
    old._meta.template_version = 1;
    await es.indices.putIndexTemplate({ name: alias, index_patterns: [`${alias}-*`], priority: old.priority, _meta: old._meta, template: old.template });
    await es.indices.create({ index: `${alias}-000001`, aliases: { [alias]: { is_write_index: true } } });
  });

  after(async () => {
    await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: alias }, { ignore: [404] });
    await es.close();
  });

  it('rejects a finding with a refused proxy before the upgrade (the mapping is strict)', async () => {
    await assert.rejects(es.index({ index: alias, id: 'before', document: { finding: { proxies: [{ option: '-x', refused: 'x' }] } } }), /strict_dynamic_mapping_exception/);
  });

  it('updates the template and the existing index, which then accepts the field', async () => {
    const report = await ensureFindingsIndex(es, alias);
    assert.equal(report.template, 'updated');
    assert.equal(report.writeIndex, 'exists');
    const mapping = await es.indices.getMapping({ index: `${alias}-000001` });
    const proxies = (mapping[`${alias}-000001`]?.mappings.properties?.['finding'] as estypes.MappingObjectProperty | undefined)?.properties?.['proxies'] as
      | estypes.MappingObjectProperty
      | undefined;
    assert.deepEqual(proxies?.properties?.['refused'], { type: 'keyword', ignore_above: 1024 });
    await es.index({ index: alias, id: 'after', document: { finding: { proxies: [{ option: '-x', refused: 'curl rejects the unsupported proxy scheme ftp://' }] } }, refresh: true });
    assert.equal((await ensureFindingsIndex(es, alias)).template, 'unchanged');
  });
});
