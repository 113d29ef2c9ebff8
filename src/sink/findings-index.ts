import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { toServiceError } from '../source/errors.js';
import { alertSourceIndex } from './alert-source.js';
import { adaptMappings, ECS_FIELD_TYPES, missingProperties, withoutMissingMapper, type FieldTypes } from './field-types.js';

/** The repository's `mappings/` folder (same relative place from src/ and dist/). */
export const mappingsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'mappings');

interface TemplateFile {
  _meta: Record<string, unknown> & { template_version: number };
  priority: number;
  template: estypes.IndicesIndexTemplateSummary;
}

/** The findings index template as stored in `mappings/findings-template.json`. */
export function loadFindingsTemplate(): TemplateFile {
  return JSON.parse(readFileSync(resolve(mappingsDir, 'findings-template.json'), 'utf8')) as TemplateFile;
}

/** An index template as `PUT _index_template/<name>` takes it. */
export interface TemplateBody {
  name: string;
  index_patterns: string[];
  priority: number;
  _meta: Record<string, unknown> & { template_version: number };
  template: { settings: Record<string, unknown>; mappings: estypes.MappingTypeMapping };
}

/** The findings template for `<alias>-*`, its field types fitted to the cluster. */
export function findingsTemplateBody(alias: string, types: FieldTypes, extraSettings: Record<string, unknown> = {}): TemplateBody {
  const file = loadFindingsTemplate();
  return {
    name: alias,
    index_patterns: [`${alias}-*`],
    priority: file.priority,
    _meta: file._meta,
    template: { settings: { ...(file.template.settings ?? {}), ...extraSettings }, mappings: adaptMappings(file.template.mappings ?? {}, types) },
  };
}

/**
 * The template of the alert-source index `<alias>-alerts`: the findings mapping (an alert
 * source is a finding as first written), a hidden index, and a higher priority than the
 * findings template, whose `<alias>-*` also matches the name. No lifecycle: the index must
 * never roll over (see alertSourceIndex).
 */
export function alertsTemplateBody(alias: string, types: FieldTypes): TemplateBody {
  const file = loadFindingsTemplate();
  const index = alertSourceIndex(alias);
  return {
    name: index,
    index_patterns: [index],
    priority: file.priority + 1,
    _meta: { ...file._meta, description: `Alert-source documents of curl-proxy-detector for ${alias}: written once per finding, read by the Elastic Security rule.` },
    template: { settings: { ...(file.template.settings ?? {}), 'index.hidden': true }, mappings: adaptMappings(file.template.mappings ?? {}, types) },
  };
}

/** What `ensureFindingsIndex` did, for `setup` to report. */
export interface EnsureReport {
  template: 'created' | 'updated' | 'unchanged';
  writeIndex: 'created' | 'exists';
  concreteIndex: string | undefined;
  alertsTemplate: 'created' | 'updated' | 'unchanged';
  alertsIndex: 'created' | 'exists';
  /** The field types of the templates written now; undefined when both were already in place. */
  fieldTypes: FieldTypes | undefined;
}

/** Extra template settings (e.g. an ILM policy) and field types decided by `setup`. */
export interface EnsureOptions {
  extraSettings?: Record<string, unknown>;
  /** Field types to map; detected from the cluster when a template has to be written and none are given. */
  fieldTypes?: FieldTypes;
}

/**
 * Installs the findings template (`<alias>-*`) and bootstraps `<alias>-000001` behind the
 * write alias, then the alert-source template and its one index `<alias>-alerts`. Idempotent
 * and safe to race: an existing alias or index is left alone; an updated template adds its new
 * fields to the existing indices (a field's type never changes in place).
 */
export async function ensureFindingsIndex(client: Client, alias: string, options: EnsureOptions = {}): Promise<EnsureReport> {
  // `setup` decides the field types (detectFieldTypes); without them, a template that has to be
  // written is tried with the ECS types first and refitted to the mapper the cluster names as
  // missing, so nothing is asked of the cluster before the write itself.
  const types = { current: options.fieldTypes };
  const findings = await ensureTemplate(client, alias, (t) => findingsTemplateBody(alias, t, options.extraSettings), types);
  const write = await ensureWriteIndex(client, alias, findings);
  const alerts = await ensureTemplate(client, alertSourceIndex(alias), (t) => alertsTemplateBody(alias, t), types);
  const alertsIndex = await ensureAlertsIndex(client, alias, alerts);
  return {
    template: findings.status,
    writeIndex: write.status,
    concreteIndex: write.concreteIndex,
    alertsTemplate: alerts.status,
    alertsIndex,
    fieldTypes: findings.status === 'unchanged' && alerts.status === 'unchanged' ? undefined : types.current,
  };
}

interface TemplateOutcome {
  status: 'created' | 'updated' | 'unchanged';
  body: TemplateBody | undefined;
}

async function ensureTemplate(client: Client, name: string, build: (types: FieldTypes) => TemplateBody, types: { current: FieldTypes | undefined }): Promise<TemplateOutcome> {
  try {
    const existing = await client.indices.getIndexTemplate({ name }, { ignore: [404] });
    const current = existing.index_templates?.[0]?.index_template;
    // Compared without the field types, which only decide how a field is mapped.
    if (current !== undefined && sameTemplate(current, build(ECS_FIELD_TYPES))) return { status: 'unchanged', body: undefined };
    let tried = types.current ?? ECS_FIELD_TYPES;
    for (;;) {
      const body = build(tried);
      try {
        await client.indices.putIndexTemplate(body);
        types.current = tried;
        return { status: current === undefined ? 'created' : 'updated', body };
      } catch (err) {
        const refitted = types.current === undefined ? withoutMissingMapper(tried, err) : undefined;
        if (refitted === undefined) throw err;
        tried = refitted;
      }
    }
  } catch (err) {
    throw toServiceError(err, `installing index template ${name}`);
  }
}

async function ensureWriteIndex(client: Client, alias: string, template: TemplateOutcome): Promise<{ status: 'created' | 'exists'; concreteIndex: string | undefined }> {
  try {
    if (await client.indices.exists({ index: alias })) {
      // A newer template adds fields (event.ingested and related.* in version 3); the indices
      // already behind the alias keep their strict mapping and would reject findings carrying them.
      if (template.status === 'updated' && template.body !== undefined) await addMissingFields(client, alias, template.body);
      return { status: 'exists', concreteIndex: await writeIndexOf(client, alias) };
    }
    const concrete = `${alias}-000001`;
    try {
      await client.indices.create({ index: concrete, aliases: { [alias]: { is_write_index: true } } });
      return { status: 'created', concreteIndex: concrete };
    } catch (err) {
      if (isAlreadyExists(err)) return { status: 'exists', concreteIndex: await writeIndexOf(client, alias) };
      throw err;
    }
  } catch (err) {
    throw toServiceError(err, `creating the findings write index for ${alias}`);
  }
}

async function ensureAlertsIndex(client: Client, alias: string, template: TemplateOutcome): Promise<'created' | 'exists'> {
  const index = alertSourceIndex(alias);
  try {
    if (await client.indices.exists({ index })) {
      if (template.status === 'updated' && template.body !== undefined) await addMissingFields(client, index, template.body);
      return 'exists';
    }
    try {
      await client.indices.create({ index });
      return 'created';
    } catch (err) {
      if (isAlreadyExists(err)) return 'exists';
      throw err;
    }
  } catch (err) {
    throw toServiceError(err, `creating the alert-source index ${index}`);
  }
}

/** Puts, on every index behind `target`, the template's fields that index does not map yet. */
async function addMissingFields(client: Client, target: string, template: TemplateBody): Promise<void> {
  const { properties, dynamic, _meta } = template.template.mappings;
  const current = await client.indices.getMapping({ index: target });
  for (const [index, { mappings }] of Object.entries(current)) {
    const add = missingProperties((properties ?? {}) as Record<string, unknown>, mappings.properties as Record<string, unknown> | undefined);
    await client.indices.putMapping({ index, dynamic, _meta, ...(add !== undefined ? { properties: add as Record<string, estypes.MappingProperty> } : {}) });
  }
}

function isAlreadyExists(err: unknown): boolean {
  return err instanceof errors.ResponseError && String((err.body as { error?: { type?: string } })?.error?.type).includes('already_exists');
}

async function writeIndexOf(client: Client, alias: string): Promise<string | undefined> {
  const res = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  for (const [index, def] of Object.entries(res)) {
    const a = (def as { aliases?: Record<string, { is_write_index?: boolean }> }).aliases?.[alias];
    if (a?.is_write_index === true) return index;
  }
  const only = Object.keys(res);
  return only.length === 1 ? only[0] : alias;
}

function sameTemplate(current: estypes.IndicesIndexTemplate, wanted: TemplateBody): boolean {
  const curMeta = (current._meta ?? {}) as Record<string, unknown>;
  if (curMeta.template_version !== wanted._meta.template_version) return false;
  if (JSON.stringify([current.index_patterns].flat()) !== JSON.stringify(wanted.index_patterns)) return false;
  // Compare the settings we add (e.g. lifecycle) loosely: Elasticsearch returns them nested and stringified.
  const curSettings = JSON.stringify(current.template?.settings ?? {});
  return Object.entries(wanted.template.settings).every(([k, v]) => curSettings.includes(String(k.split('.').pop())) && curSettings.includes(String(v)));
}
