import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { toServiceError } from '../source/errors.js';

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

/** What `ensureFindingsIndex` did, for `setup` to report. */
export interface EnsureReport {
  template: 'created' | 'updated' | 'unchanged';
  writeIndex: 'created' | 'exists';
  concreteIndex: string | undefined;
}

/** Extra template settings (e.g. an ILM policy) decided by `setup`. */
export interface EnsureOptions {
  extraSettings?: Record<string, unknown>;
}

/**
 * Installs the findings template (`<alias>-*`) and bootstraps `<alias>-000001` behind the
 * write alias. Idempotent and safe to race: an existing alias or index is left alone.
 */
export async function ensureFindingsIndex(client: Client, alias: string, options: EnsureOptions = {}): Promise<EnsureReport> {
  const file = loadFindingsTemplate();
  const settings = { ...(file.template.settings ?? {}), ...(options.extraSettings ?? {}) };
  const body = {
    name: alias,
    index_patterns: [`${alias}-*`],
    priority: file.priority,
    _meta: file._meta,
    template: { ...file.template, settings },
  };
  let template: EnsureReport['template'];
  try {
    const existing = await client.indices.getIndexTemplate({ name: alias }, { ignore: [404] });
    const current = existing.index_templates?.[0]?.index_template;
    if (current !== undefined && sameTemplate(current, body)) {
      template = 'unchanged';
    } else {
      await client.indices.putIndexTemplate(body);
      template = current === undefined ? 'created' : 'updated';
    }
  } catch (err) {
    throw toServiceError(err, `installing index template ${alias}`);
  }

  try {
    const exists = await client.indices.exists({ index: alias });
    if (exists) {
      // A newer template adds fields (finding.proxies.refused in version 2); the indices already
      // behind the alias keep their old strict mapping and would reject findings that carry them.
      if (template === 'updated') {
        const { properties, dynamic, _meta } = file.template.mappings ?? {};
        await client.indices.putMapping({ index: alias, properties, dynamic, _meta });
      }
      return { template, writeIndex: 'exists', concreteIndex: await writeIndexOf(client, alias) };
    }
    const concrete = `${alias}-000001`;
    try {
      await client.indices.create({ index: concrete, aliases: { [alias]: { is_write_index: true } } });
      return { template, writeIndex: 'created', concreteIndex: concrete };
    } catch (err) {
      if (err instanceof errors.ResponseError && String((err.body as { error?: { type?: string } })?.error?.type).includes('already_exists')) {
        return { template, writeIndex: 'exists', concreteIndex: await writeIndexOf(client, alias) };
      }
      throw err;
    }
  } catch (err) {
    throw toServiceError(err, `creating the findings write index for ${alias}`);
  }
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

function sameTemplate(current: estypes.IndicesIndexTemplate, wanted: { _meta: Record<string, unknown>; template: { settings: Record<string, unknown> } }): boolean {
  const curMeta = (current._meta ?? {}) as Record<string, unknown>;
  if (curMeta.template_version !== wanted._meta.template_version) return false;
  // Compare the settings we add (e.g. lifecycle) loosely: Elasticsearch returns them nested and stringified.
  const curSettings = JSON.stringify(current.template?.settings ?? {});
  return Object.entries(wanted.template.settings).every(([k, v]) => curSettings.includes(String(k.split('.').pop())) && curSettings.includes(String(v)));
}
