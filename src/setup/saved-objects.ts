import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/** The repository's `kibana/` folder (same relative place from src/ and dist/). */
export const kibanaDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kibana');

/** The saved objects `setup` imports: data view, saved search, Lens panels and the dashboard. */
export const savedObjectsFile = resolve(kibanaDir, 'curl-proxy-findings.ndjson');

/** The findings alias the NDJSON file is written for; another alias rewrites the data view. */
export const DEFAULT_FINDINGS_ALIAS = 'curl-proxy-findings';

/** The id of the data view every other object refers to. */
export const DATA_VIEW_ID = 'curl-proxy-findings';

/**
 * The version marker each object (except the data view) carries in its `description`. Bump it
 * in every changed object when the NDJSON changes: `setup` re-imports an object only when the
 * marker stored in Kibana differs, so edits made in Kibana survive re-runs otherwise.
 */
export const VERSION_MARKER = /curl-proxy-detector saved objects v\d+/;

/** A reference from one saved object to another, as Kibana stores it. */
export interface SavedObjectReference {
  type: string;
  id: string;
  name: string;
}

/** One line of the NDJSON file: a saved object in Kibana's export format. */
export interface SavedObjectDoc {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: SavedObjectReference[];
  coreMigrationVersion?: string;
  typeMigrationVersion?: string;
}

/** Parses Kibana export NDJSON; throws InputError naming the line of the first bad object. */
export function parseSavedObjects(text: string, source: string): SavedObjectDoc[] {
  const objects: SavedObjectDoc[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new InputError(`${source}:${i + 1}: expected a JSON object, got a syntax error: ${(err as Error).message}`);
    }
    const problem = shapeProblem(value);
    if (problem !== undefined) throw new InputError(`${source}:${i + 1}: ${problem}`);
    objects.push(value as SavedObjectDoc);
  });
  return objects;
}

function shapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a saved object, got something else';
  if (typeof value.type !== 'string' || value.type === '') return 'expected a "type" string';
  if (typeof value.id !== 'string' || value.id === '') return 'expected an "id" string';
  if (!isRecord(value.attributes)) return `${value.type}/${value.id}: expected an "attributes" object`;
  if (!Array.isArray(value.references)) return `${value.type}/${value.id}: expected a "references" list`;
  const bad = value.references.find((r) => !isRecord(r) || typeof r.type !== 'string' || typeof r.id !== 'string' || typeof r.name !== 'string');
  return bad === undefined ? undefined : `${value.type}/${value.id}: expected references of {type, id, name}, got ${JSON.stringify(bad)}`;
}

/**
 * The id an object of the file gets in a space. Kibana keeps the ids of these types unique
 * across spaces: importing an id that exists in another space stores a copy under a random id,
 * which `setup` could not find again by our id (and so would overwrite on every run). Ids
 * carry the space, so every space has its own, findable set: the default space keeps the ids
 * of the file; another space's are `<id>-<space>`.
 */
export function spaceObjectId(id: string, space: string): string {
  return space === 'default' ? id : `${id}-${space}`;
}

/**
 * Loads the saved objects for the findings alias and space. The file targets
 * `curl-proxy-findings` in the default space; for another alias the data view's title becomes
 * `<alias>*`; for another space every id and reference gets the space (spaceObjectId).
 */
export function loadSavedObjects(alias: string, space = 'default', file: string = savedObjectsFile): SavedObjectDoc[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`kibana saved objects: expected a readable file at ${file}, got ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const objects = parseSavedObjects(text, file).map((o) =>
    o.type === 'index-pattern' && o.id === DATA_VIEW_ID && alias !== DEFAULT_FINDINGS_ALIAS ? { ...o, attributes: { ...o.attributes, title: `${alias}*` } } : o,
  );
  if (space === 'default') return objects;
  return objects.map((o) => ({ ...o, id: spaceObjectId(o.id, space), references: o.references.map((r) => ({ ...r, id: spaceObjectId(r.id, space) })) }));
}

/** Kibana import NDJSON: one object per line. */
export function toNdjson(objects: readonly SavedObjectDoc[]): string {
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
}

/** The version marker in an object's description, if it has one. */
export function versionMarker(attributes: Record<string, unknown>): string | undefined {
  const description = attributes.description;
  return typeof description === 'string' ? VERSION_MARKER.exec(description)?.[0] : undefined;
}

/**
 * True when the object stored in Kibana is the one the file describes. Objects with a version
 * marker compare markers (Kibana migrates the rest of their attributes on import, so the
 * attributes never come back as written). The data view has no description: its attributes,
 * which no Kibana migration since 7.11 rewrites, are compared one by one, and only those the
 * file sets, so field popularity and formats a user adds in Kibana do not count as a change.
 */
export function isUnchanged(wanted: SavedObjectDoc, storedAttributes: Record<string, unknown>): boolean {
  const marker = versionMarker(wanted.attributes);
  if (marker !== undefined) return versionMarker(storedAttributes) === marker;
  return Object.entries(wanted.attributes).every(([k, v]) => JSON.stringify(storedAttributes[k]) === JSON.stringify(v));
}

/** The title Kibana shows for an object (data views show `name`, falling back to `title`). */
export function titleOf(object: SavedObjectDoc): string {
  const { name, title } = object.attributes;
  if (object.type === 'index-pattern' && typeof name === 'string' && name !== '') return name;
  return typeof title === 'string' ? title : object.id;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
