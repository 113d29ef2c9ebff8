import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { toServiceError } from '../source/errors.js';
import { mappingsDir } from '../sink/findings-index.js';

/** How a target index was made ready for the records. */
export type Preparation =
  /** An index, alias or data stream of that name already exists. */
  | 'exists'
  /** An index template matches: the first write creates the index (or data stream) from it. */
  | 'template'
  /** Nothing matched: created as a plain index with `mappings/ecs-process-events.json`. */
  | 'created'
  /** The credentials may not look at indices or templates (HTTP 403): left to Elasticsearch. */
  | 'unchecked';

interface MappingFile {
  settings?: estypes.IndicesIndexSettings;
  mappings: estypes.MappingTypeMapping;
}

/** The small ECS-subset mapping used when no template covers a replay target. */
export function loadProcessEventsMapping(): MappingFile {
  return JSON.parse(readFileSync(resolve(mappingsDir, 'ecs-process-events.json'), 'utf8')) as MappingFile;
}

/**
 * Makes sure the records land with sensible mappings: an existing target is used as it is; a
 * name an index template matches is left for Elasticsearch to create (Fleet's `logs-*-*` data
 * streams on a real cluster); anything else is created first with the ECS-subset mapping,
 * since dynamic mapping would make `process.pid` a long but `event.created` text, etc.
 */
export async function prepareIndex(client: Client, index: string): Promise<Preparation> {
  try {
    if (await client.indices.exists({ index })) return 'exists';
    // 200 with no `template` (some versions answer 404) means no template matches the name.
    const simulated = await client.indices.simulateIndexTemplate({ name: index }, { ignore: [404] });
    if (simulated.template !== undefined) return 'template';
  } catch (err) {
    // Simulating templates needs the manage_index_templates cluster privilege, which a
    // loader's role often lacks: writing is still allowed, so let Elasticsearch decide.
    if (err instanceof errors.ResponseError && err.statusCode === 403) return 'unchecked';
    throw toServiceError(err, `checking the replay target ${index}`);
  }
  const file = loadProcessEventsMapping();
  try {
    await client.indices.create({ index, mappings: file.mappings, ...(file.settings !== undefined ? { settings: file.settings } : {}) });
    return 'created';
  } catch (err) {
    // Another replay created it in the meantime: fine, it has the same mapping.
    if (err instanceof errors.ResponseError && String((err.body as { error?: { type?: string } } | undefined)?.error?.type).includes('already_exists')) return 'exists';
    throw toServiceError(err, `creating the replay target index ${index}`);
  }
}
