import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, estypes } from '@elastic/elasticsearch';
import { alertSourceIndex } from '../../src/sink/alert-source.js';
import { detectFieldTypes } from '../../src/sink/field-types.js';
import { ensureFindingsIndex, findingsTemplateBody } from '../../src/sink/findings-index.js';
import { testEsClient, uniqueName } from '../helpers/services.js';

// A deployment made by an older release (template version 2: no event.ingested, ecs, related.*
// or finding.id, command lines mapped keyword) must accept the findings of this release once the
// worker or `setup` installs version 3: the indices already behind the alias get the new fields
// too, a field never changes its type in place, and the hidden alert-source index appears.

type Props = Record<string, estypes.MappingProperty & { properties?: Props }>;

describe('the findings index after a template upgrade', () => {
  let es: Client;
  const alias = uniqueName('cpdt-upgrade');

  before(async () => {
    es = testEsClient();
    const v2 = findingsTemplateBody(alias, { wildcard: false, matchOnlyText: false });
    const props = v2.template.mappings.properties as Props;
    delete props['ecs'];
    delete props['related'];
    delete props['event']?.properties?.['ingested'];
    delete props['event']?.properties?.['id'];
    delete props['finding']?.properties?.['id'];
    props['message'] = { type: 'text' };
    v2._meta = { ...v2._meta, template_version: 2 };
    await es.indices.putIndexTemplate({ ...v2, template: { ...v2.template, mappings: { ...v2.template.mappings, _meta: { template_version: 2 } } } });
    await es.indices.create({ index: `${alias}-000001`, aliases: { [alias]: { is_write_index: true } } });
  });

  after(async () => {
    await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' });
    for (const name of [alias, alertSourceIndex(alias)]) await es.indices.deleteIndexTemplate({ name }, { ignore: [404] });
    await es.close();
  });

  it('rejects a finding with event.ingested before the upgrade (the mapping is strict)', async () => {
    await assert.rejects(es.index({ index: alias, id: 'before', document: { event: { ingested: '2026-11-01T10:00:00Z' } } }), /strict_dynamic_mapping_exception/);
  });

  it('updates the template and adds the new fields to the existing index, keeping the types it has', async () => {
    const report = await ensureFindingsIndex(es, alias);
    assert.equal(report.template, 'updated');
    assert.equal(report.writeIndex, 'exists');
    assert.deepEqual(report.fieldTypes, await detectFieldTypes(es));
    const mapping = (await es.indices.getMapping({ index: `${alias}-000001` }))[`${alias}-000001`]?.mappings.properties as Props;
    assert.deepEqual(mapping['event']?.properties?.['ingested'], { type: 'date' });
    assert.deepEqual(mapping['related']?.properties?.['ip'], { type: 'ip' });
    assert.deepEqual(mapping['finding']?.properties?.['id'], { type: 'keyword' });
    assert.equal(mapping['process']?.properties?.['command_line']?.type, 'keyword', 'a type never changes in place');
    // Written without field types given: tried with wildcard and match_only_text, refitted to
    // what this cluster maps (it has neither module), so nothing is asked before the write.
    const template = (await es.indices.getIndexTemplate({ name: alias })).index_templates[0]?.index_template.template?.mappings?.properties as Props;
    const types = await detectFieldTypes(es);
    assert.equal(template['process']?.properties?.['command_line']?.type, types.wildcard ? 'wildcard' : 'keyword');
    assert.equal(template['message']?.type, types.matchOnlyText ? 'match_only_text' : 'text');
    await es.index({ index: alias, id: 'after', document: { event: { ingested: '2026-11-01T10:00:00Z' }, related: { ip: ['203.0.113.7'], hosts: ['web-01'] } }, refresh: true });
  });

  it('creates the hidden alert-source index <alias>-alerts, which <alias>* does not match', async () => {
    const index = alertSourceIndex(alias);
    const settings = await es.indices.getSettings({ index, flat_settings: true });
    assert.equal(settings[index]?.settings?.['index.hidden'], 'true');
    const seen = await es.indices.get({ index: `${alias}*` });
    assert.deepEqual(Object.keys(seen), [`${alias}-000001`]);
  });

  it('changes nothing on a second run', async () => {
    const again = await ensureFindingsIndex(es, alias);
    assert.deepEqual([again.template, again.alertsTemplate, again.alertsIndex, again.fieldTypes], ['unchanged', 'unchanged', 'exists', undefined]);
  });
});
