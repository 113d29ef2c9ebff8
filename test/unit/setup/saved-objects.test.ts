import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { InputError } from '../../../src/errors.js';
import {
  DATA_VIEW_ID,
  isUnchanged,
  loadSavedObjects,
  parseSavedObjects,
  savedObjectsFile,
  spaceObjectId,
  versionMarker,
  type SavedObjectDoc,
} from '../../../src/setup/saved-objects.js';

// The Kibana saved objects cannot be imported here (no Kibana on this machine), so the NDJSON
// is checked as an artefact: it parses, its references hold together, and every field it
// names exists in the findings mapping, with a type the visualisation can use.

const text = readFileSync(savedObjectsFile, 'utf8');
const objects = parseSavedObjects(text, savedObjectsFile);
const byKey = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));
const ofType = (type: string): SavedObjectDoc[] => objects.filter((o) => o.type === type);
const only = (type: string): SavedObjectDoc => {
  const found = ofType(type);
  assert.equal(found.length, 1, `expected exactly one ${type}`);
  return found[0] as SavedObjectDoc;
};

/** One node of an Elasticsearch mapping (only what this check reads). */
interface MappingNode {
  type?: string;
  index?: boolean;
  enabled?: boolean;
  properties?: Record<string, MappingNode>;
  fields?: Record<string, MappingNode>;
}

const template = JSON.parse(readFileSync(new URL('../../../mappings/findings-template.json', import.meta.url), 'utf8')) as {
  template: { mappings: MappingNode };
};

/** Every searchable field path of the mapping with its type; multi-fields (`.text`) included. */
function mappedFields(node: MappingNode, path = '', out = new Map<string, string>()): Map<string, string> {
  if (node.enabled === false) return out;
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    if (child.type !== undefined && child.type !== 'object') out.set(p, child.type);
    for (const [sub, multi] of Object.entries(child.fields ?? {})) if (multi.type !== undefined) out.set(`${p}.${sub}`, multi.type);
    mappedFields(child, p, out);
  }
  return out;
}
const fields = mappedFields(template.template.mappings);

const aggregatable = new Set(['keyword', 'wildcard', 'long', 'integer', 'short', 'byte', 'double', 'float', 'date', 'boolean', 'ip']);

/**
 * Field names in a KQL or Lucene query string: the `name` of every `name:` / `name :` clause.
 * Good enough for the simple queries saved objects hold; an empty query names none.
 */
function queryFields(query: unknown): string[] {
  if (query === null || typeof query !== 'object') return [];
  const q = (query as { query?: unknown }).query;
  if (typeof q !== 'string') return [];
  return [...q.matchAll(/([A-Za-z_@][\w.@-]*)\s*:/g)].map((m) => m[1] as string);
}

/** Field names in saved filters: `meta.key`, and the keys of match/match_phrase/term/range/exists clauses. */
function filterFields(filters: unknown): string[] {
  if (!Array.isArray(filters)) return [];
  return filters.flatMap((f: { meta?: { key?: string }; query?: Record<string, unknown>; exists?: { field?: string } }) => {
    const out: string[] = [];
    if (typeof f.meta?.key === 'string') out.push(f.meta.key);
    const q = f.query ?? {};
    for (const clause of ['match', 'match_phrase', 'term', 'terms', 'range', 'prefix', 'wildcard']) {
      const body = q[clause];
      if (body !== null && typeof body === 'object') out.push(...Object.keys(body));
    }
    if (typeof f.exists?.field === 'string') out.push(f.exists.field);
    return out;
  });
}

function searchSource(o: SavedObjectDoc): { query?: unknown; filter?: unknown; indexRefName?: string } {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
  return meta?.searchSourceJSON === undefined ? {} : (JSON.parse(meta.searchSourceJSON) as ReturnType<typeof searchSource>);
}

interface LensColumn {
  operationType: string;
  sourceField?: string;
  dataType?: string;
  label?: string;
  params?: { orderBy?: { type: string; columnId?: string }; missingBucket?: boolean };
}
interface LensLayer {
  columns: Record<string, LensColumn>;
  columnOrder: string[];
}
interface LensState {
  visualization: { layers?: { layerId: string; xAccessor?: string; accessors?: string[]; splitAccessor?: string }[] };
  query?: unknown;
  filters?: unknown;
  datasourceStates: { formBased?: { layers: Record<string, LensLayer> } };
}
const lensState = (o: SavedObjectDoc): LensState => o.attributes.state as LensState;

interface Panel {
  type: string;
  panelIndex: string;
  panelRefName?: string;
  title?: string;
  gridData: { x: number; y: number; w: number; h: number; i: string };
}
const panelsOf = (o: SavedObjectDoc): Panel[] => JSON.parse(String(o.attributes.panelsJSON)) as Panel[];

/** Every field an object names, with where it is named (for the failure message). */
function referencedFields(o: SavedObjectDoc): { field: string; where: string; use?: 'aggregate' | 'sort' }[] {
  const out: { field: string; where: string; use?: 'aggregate' | 'sort' }[] = [];
  const ss = searchSource(o);
  for (const f of queryFields(ss.query)) out.push({ field: f, where: 'searchSourceJSON.query' });
  for (const f of filterFields(ss.filter)) out.push({ field: f, where: 'searchSourceJSON.filter' });
  if (o.type === 'index-pattern' && typeof o.attributes.timeFieldName === 'string') {
    out.push({ field: o.attributes.timeFieldName, where: 'timeFieldName', use: 'sort' });
  }
  if (o.type === 'search') {
    for (const c of (o.attributes.columns as string[] | undefined) ?? []) out.push({ field: c, where: 'columns' });
    for (const s of (o.attributes.sort as [string, string][] | undefined) ?? []) out.push({ field: s[0], where: 'sort', use: 'sort' });
  }
  if (o.type === 'lens') {
    const state = lensState(o);
    for (const f of queryFields(state.query)) out.push({ field: f, where: 'state.query' });
    for (const f of filterFields(state.filters)) out.push({ field: f, where: 'state.filters' });
    for (const [layerId, layer] of Object.entries(state.datasourceStates.formBased?.layers ?? {})) {
      for (const [columnId, column] of Object.entries(layer.columns)) {
        if (column.sourceField !== undefined && column.sourceField !== '___records___') {
          out.push({ field: column.sourceField, where: `layer ${layerId} column ${columnId}`, use: 'aggregate' });
        }
      }
    }
  }
  return out;
}

describe('kibana/curl-proxy-findings.ndjson', () => {
  it('has one JSON saved object on every line', () => {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, objects.length);
    for (const [i, line] of lines.entries()) assert.doesNotThrow(() => JSON.parse(line), `line ${i + 1}`);
    assert.ok(text.endsWith('\n'), 'ends with a newline');
  });

  it('holds the data view, the saved search, six Lens panels and the dashboard, each with type, id, attributes and references', () => {
    assert.deepEqual(
      objects.map((o) => o.type).sort(),
      ['dashboard', 'index-pattern', 'lens', 'lens', 'lens', 'lens', 'lens', 'lens', 'search'],
    );
    for (const o of objects) {
      assert.equal(typeof o.type, 'string');
      assert.match(o.id, /^[a-z0-9-]+$/, `${o.type}/${o.id}: ids are stable, readable and lower-case`);
      assert.equal(typeof o.attributes, 'object');
      assert.ok(Array.isArray(o.references), `${o.type}/${o.id}: references`);
      assert.equal(typeof o.attributes.title, 'string', `${o.type}/${o.id}: title`);
    }
    assert.equal(new Set(objects.map((o) => `${o.type}/${o.id}`)).size, objects.length, 'ids are unique per type');
  });

  it('carries migration versions that Kibana 8.8 and later (9.x included) migrate forward', () => {
    // coreMigrationVersion 8.8.0 is the first release with typeMigrationVersion. Type versions
    // must not exceed the last migration each type had in 8.8, or Kibana rejects the object
    // as coming from a newer release: index-pattern, search and dashboard were converted to
    // multi-namespace types at 8.0.0; Lens stores `formBased` layers since its 8.6.0 migration.
    const expected: Record<string, string> = { 'index-pattern': '8.0.0', search: '8.0.0', lens: '8.6.0', dashboard: '8.0.0' };
    for (const o of objects) {
      assert.equal(o.coreMigrationVersion, '8.8.0', `${o.type}/${o.id}`);
      assert.equal(o.typeMigrationVersion, expected[o.type], `${o.type}/${o.id}`);
    }
  });

  it('gives every object but the data view the same version marker in its description', () => {
    const markers = objects.filter((o) => o.type !== 'index-pattern').map((o) => versionMarker(o.attributes));
    assert.ok(markers.every((m) => m !== undefined), 'every non-data-view object has a marker');
    assert.equal(new Set(markers).size, 1, `one marker version for the whole file, got ${[...new Set(markers)].join(', ')}`);
  });

  it('points every reference at an object in the file', () => {
    for (const o of objects) {
      for (const r of o.references) {
        assert.ok(byKey.has(`${r.type}/${r.id}`), `${o.type}/${o.id}: reference ${r.name} -> ${r.type}/${r.id} is not in the file`);
      }
      assert.equal(new Set(o.references.map((r) => r.name)).size, o.references.length, `${o.type}/${o.id}: reference names are unique`);
    }
  });

  it('has a data view over the findings alias pattern with @timestamp as its time field', () => {
    const dataView = only('index-pattern');
    const alias = loadConfig({ env: {} }).sink.findingsAlias;
    assert.equal(dataView.id, DATA_VIEW_ID);
    assert.equal(dataView.attributes.title, `${alias}*`);
    assert.equal(dataView.attributes.timeFieldName, '@timestamp');
    // The pattern covers the write alias and the indices `setup` creates behind it.
    const pattern = new RegExp(`^${String(dataView.attributes.title).replace(/[.*+?^${}()|[\]\\-]/g, (c) => (c === '*' ? '.*' : `\\${c}`))}$`);
    for (const name of [alias, `${alias}-000001`, `${alias}-000042`]) assert.match(name, pattern);
  });

  it('has a saved search with the useful columns, newest first, over the data view', () => {
    const search = only('search');
    assert.deepEqual(search.attributes.columns, [
      'host.name',
      'user.name',
      'process.parent.name',
      'process.command_line',
      'finding.count',
      'finding.proxies.host',
      'finding.proxies.scheme',
      'message',
    ]);
    assert.deepEqual(search.attributes.sort, [['@timestamp', 'desc']]);
    const ss = searchSource(search);
    assert.equal(ss.indexRefName, 'kibanaSavedObjectMeta.searchSourceJSON.index');
    assert.deepEqual(search.references, [{ type: 'index-pattern', id: DATA_VIEW_ID, name: 'kibanaSavedObjectMeta.searchSourceJSON.index' }]);
  });

  it('keeps to the attributes Kibana\'s strict search and dashboard schemas accept', () => {
    // From Kibana's saved_search SCHEMA_SEARCH_V8_8_0 and dashboard schema v1 (unknowns: forbid):
    // an attribute outside these lists fails the import.
    const search = new Set(['title', 'description', 'columns', 'sort', 'grid', 'rowHeight', 'rowsPerPage', 'hideChart', 'breakdownField', 'kibanaSavedObjectMeta', 'isTextBasedQuery', 'usesAdHocDataView', 'timeRestore', 'timeRange', 'refreshInterval', 'viewMode', 'hideAggregatedPreview', 'hits', 'version']);
    const dashboard = new Set(['title', 'description', 'kibanaSavedObjectMeta', 'timeRestore', 'timeFrom', 'timeTo', 'refreshInterval', 'controlGroupInput', 'panelsJSON', 'optionsJSON', 'hits', 'version']);
    for (const key of Object.keys(only('search').attributes)) assert.ok(search.has(key), `search attribute ${key}`);
    for (const key of Object.keys(only('dashboard').attributes)) assert.ok(dashboard.has(key), `dashboard attribute ${key}`);
  });

  it('names only fields that exist in the findings mapping, and aggregates only aggregatable ones', () => {
    const seen: string[] = [];
    for (const o of objects) {
      for (const { field, where, use } of referencedFields(o)) {
        seen.push(field);
        const type = fields.get(field);
        assert.ok(type !== undefined, `${o.type}/${o.id} ${where}: field ${field} is not in mappings/findings-template.json`);
        if (use !== undefined) assert.ok(aggregatable.has(type), `${o.type}/${o.id} ${where}: ${field} is mapped as ${type}, which cannot ${use === 'sort' ? 'be sorted on' : 'be aggregated'}`);
      }
    }
    // The check must have looked at something: columns, sort, Lens fields and the time field.
    for (const f of ['@timestamp', 'host.name', 'user.name', 'process.parent.name', 'finding.proxies.scheme', 'finding.proxies.host', 'message']) {
      assert.ok(seen.includes(f), `expected ${f} among the referenced fields`);
    }
  });

  it('finds fields in queries and filters too, so a saved query cannot name a missing field unnoticed', () => {
    assert.deepEqual(queryFields({ query: 'host.name : "a" and not finding.proxies.scheme:socks5h', language: 'kuery' }), ['host.name', 'finding.proxies.scheme']);
    assert.deepEqual(queryFields({ query: '', language: 'kuery' }), []);
    assert.deepEqual(filterFields([{ meta: { key: 'user.name' }, query: { match_phrase: { 'user.name': 'root' } } }, { exists: { field: 'host.name' } }]), ['user.name', 'user.name', 'host.name']);
    assert.equal(fields.get('process.command_line.text'), 'match_only_text', 'multi-fields count as fields');
    assert.equal(fields.get('finding.events'), undefined, 'objects mapped enabled: false have no searchable fields');
  });

  describe('Lens visualisations', () => {
    for (const lens of ofType('lens')) {
      it(`${lens.id}: every layer reads the data view, and every accessor is a column of its layer`, () => {
        const state = lensState(lens);
        const layers = state.datasourceStates.formBased?.layers ?? {};
        assert.ok(Object.keys(layers).length > 0, 'has formBased layers');
        for (const [layerId, layer] of Object.entries(layers)) {
          const ref = lens.references.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
          assert.deepEqual(ref && { type: ref.type, id: ref.id }, { type: 'index-pattern', id: DATA_VIEW_ID }, `layer ${layerId} reference`);
          assert.deepEqual([...layer.columnOrder].sort(), Object.keys(layer.columns).sort(), `layer ${layerId}: columnOrder lists every column`);
          for (const column of Object.values(layer.columns)) {
            if (column.params?.orderBy?.type === 'column') assert.ok(column.params.orderBy.columnId! in layer.columns, 'terms order by an existing column');
          }
        }
        for (const vl of state.visualization.layers ?? []) {
          const layer = layers[vl.layerId];
          assert.ok(layer !== undefined, `visualization layer ${vl.layerId} has a datasource layer`);
          for (const accessor of [vl.xAccessor, vl.splitAccessor, ...(vl.accessors ?? [])].filter((a) => a !== undefined)) {
            assert.ok(accessor in layer.columns, `accessor ${accessor} is a column of layer ${vl.layerId}`);
          }
        }
      });
    }

    it('cover findings over time, top hosts, users and parent processes, proxy schemes and proxy hosts', () => {
      const used = ofType('lens').map((l) => {
        const columns = Object.values(lensState(l).datasourceStates.formBased?.layers ?? {}).flatMap((layer) => Object.values(layer.columns));
        const bucket = columns.find((c) => c.operationType === 'date_histogram' || c.operationType === 'terms');
        return `${bucket?.operationType}:${bucket?.sourceField}`;
      });
      assert.deepEqual(used.sort(), [
        'date_histogram:@timestamp',
        'terms:finding.proxies.host',
        'terms:finding.proxies.scheme',
        'terms:host.name',
        'terms:process.parent.name',
        'terms:user.name',
      ]);
    });
  });

  describe('the dashboard', () => {
    const dashboard = only('dashboard');
    const panels = panelsOf(dashboard);

    it('parses its panelsJSON and resolves every panel through a reference named <panelIndex>:<panelRefName>', () => {
      assert.ok(panels.length >= 7);
      for (const p of panels) {
        assert.equal(typeof p.panelIndex, 'string');
        assert.equal(p.gridData.i, p.panelIndex, 'gridData.i is the panel index');
        assert.ok(p.panelRefName !== undefined, `panel ${p.panelIndex} is by reference`);
        const ref = dashboard.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`);
        assert.ok(ref !== undefined, `panel ${p.panelIndex}: no reference named ${p.panelIndex}:${p.panelRefName}`);
        assert.equal(ref.type, p.type, `panel ${p.panelIndex}: reference type`);
        assert.ok(byKey.has(`${ref.type}/${ref.id}`), `panel ${p.panelIndex}: ${ref.type}/${ref.id} is in the file`);
      }
      assert.equal(dashboard.references.length, panels.length, 'no unused references');
      assert.equal(new Set(panels.map((p) => p.panelIndex)).size, panels.length, 'panel indices are unique');
    });

    it('shows every Lens visualisation and embeds the saved search as the table of recent findings', () => {
      const shown = new Set(dashboard.references.map((r) => `${r.type}/${r.id}`));
      for (const o of objects.filter((x) => x.type === 'lens' || x.type === 'search')) assert.ok(shown.has(`${o.type}/${o.id}`), `${o.type}/${o.id}`);
    });

    it('lays the panels out on the 48-column grid without overlaps', () => {
      for (const p of panels) assert.ok(p.gridData.x >= 0 && p.gridData.w > 0 && p.gridData.x + p.gridData.w <= 48, `panel ${p.panelIndex} fits`);
      for (const [i, a] of panels.entries()) {
        for (const b of panels.slice(i + 1)) {
          const apart = a.gridData.x + a.gridData.w <= b.gridData.x || b.gridData.x + b.gridData.w <= a.gridData.x || a.gridData.y + a.gridData.h <= b.gridData.y || b.gridData.y + b.gridData.h <= a.gridData.y;
          assert.ok(apart, `panels ${a.panelIndex} and ${b.panelIndex} overlap`);
        }
      }
    });

    it('parses its options and search source', () => {
      assert.doesNotThrow(() => JSON.parse(String(dashboard.attributes.optionsJSON)));
      assert.deepEqual(searchSource(dashboard), { query: { query: '', language: 'kuery' }, filter: [] });
    });

    it('refreshes every five minutes, not every minute, over its seven days', () => {
      assert.deepEqual(dashboard.attributes.refreshInterval, { pause: false, value: 300_000 });
      assert.equal(dashboard.attributes.timeFrom, 'now-7d');
    });

    it('says in every panel title that it counts findings, and that a finding with several proxies counts under each', () => {
      for (const p of panels) assert.match(String(p.title), /[Ff]indings/, `panel ${p.panelIndex}: ${String(p.title)}`);
      for (const p of panels.filter((x) => /proxy/.test(String(x.title)))) assert.match(String(p.title), /a finding with several proxies counts under each/);
    });
  });

  describe('what the charts say they count', () => {
    for (const lens of ofType('lens')) {
      it(`${lens.id}: its title and description say "findings" and that a finding counts once, whatever its count`, () => {
        assert.match(String(lens.attributes.title), /findings/);
        assert.match(String(lens.attributes.description), /counts once/);
        const columns = Object.values(lensState(lens).datasourceStates.formBased?.layers ?? {}).flatMap((layer) => Object.values(layer.columns));
        const metric = columns.find((c) => c.operationType === 'count');
        assert.match(String(metric?.label), /^Findings/);
      });
    }

    it('shows no "missing" bucket, so a value the source did not have never becomes a bar', () => {
      for (const lens of ofType('lens')) {
        for (const c of Object.values(lensState(lens).datasourceStates.formBased?.layers ?? {}).flatMap((layer) => Object.values(layer.columns))) {
          if (c.operationType === 'terms') assert.equal(c.params?.missingBucket, false, `${lens.id}: ${c.sourceField}`);
        }
      }
    });

    it('carries the current version marker everywhere, so setup replaces the objects of the previous release', () => {
      for (const o of objects.filter((x) => x.type !== 'index-pattern')) assert.equal(versionMarker(o.attributes), 'curl-proxy-detector saved objects v2', `${o.type}/${o.id}`);
    });
  });
});

describe('loading the saved objects for setup', () => {
  it('keeps the file as it is for the default alias', () => {
    assert.deepEqual(loadSavedObjects('curl-proxy-findings'), objects);
  });

  it('points the data view at another findings alias and changes nothing else', () => {
    const loaded = loadSavedObjects('team-a-findings');
    const dataView = loaded.find((o) => o.type === 'index-pattern');
    assert.equal(dataView?.attributes.title, 'team-a-findings*');
    assert.deepEqual(loaded.filter((o) => o.type !== 'index-pattern'), objects.filter((o) => o.type !== 'index-pattern'));
  });

  it('gives every id and reference the space outside the default space, so each space has its own objects to find again', () => {
    const loaded = loadSavedObjects('curl-proxy-findings', 'secops');
    assert.deepEqual(loaded.map((o) => o.id), objects.map((o) => `${o.id}-secops`));
    for (const o of loaded) for (const r of o.references) assert.ok(loaded.some((x) => x.type === r.type && x.id === r.id), `${o.type}/${o.id} -> ${r.type}/${r.id}`);
    assert.deepEqual(loaded.map((o) => o.attributes), objects.map((o) => o.attributes), 'only ids and references change');
    assert.equal(spaceObjectId(DATA_VIEW_ID, 'default'), DATA_VIEW_ID);
  });

  it('reports the line of a broken object', () => {
    assert.throws(() => parseSavedObjects('{"type":"lens","id":"a","attributes":{},"references":[]}\n{"type":"lens"}\n', 'x.ndjson'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /^x\.ndjson:2: expected an "id" string/);
      return true;
    });
    assert.throws(() => parseSavedObjects('{not json\n', 'x.ndjson'), /x\.ndjson:1: expected a JSON object/);
  });
});

describe('deciding whether a stored object is unchanged', () => {
  const lens = ofType('lens')[0] as SavedObjectDoc;
  const dataView = only('index-pattern');
  const marker = versionMarker(lens.attributes) ?? '';

  const cases: [string, SavedObjectDoc, Record<string, unknown>, boolean][] = [
    ['same marker, attributes migrated by Kibana', lens, { title: 'renamed in Kibana', description: `anything ${marker}`, state: {} }, true],
    ['older marker', lens, { ...lens.attributes, description: 'x [curl-proxy-detector saved objects v0]' }, false],
    ['no marker at all', lens, { ...lens.attributes, description: 'edited' }, false],
    ['data view as written, plus what users add in Kibana', dataView, { ...dataView.attributes, fieldAttrs: '{"host.name":{"count":3}}' }, true],
    ['data view with another title', dataView, { ...dataView.attributes, title: 'other*' }, false],
  ];
  for (const [name, wanted, stored, expected] of cases) {
    it(`${name}: ${expected ? 'unchanged' : 'changed'}`, () => {
      assert.equal(isUnchanged(wanted, stored), expected);
    });
  }
});
