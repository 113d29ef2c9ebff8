import type { Client, estypes } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { toServiceError } from '../source/errors.js';

/**
 * Which of ECS's preferred field types the cluster can map. `wildcard` and `match_only_text`
 * come from the x-pack wildcard and mapper-extras modules: every default distribution and
 * Elastic Cloud has them, the bare node the tests run on has neither.
 */
export interface FieldTypes {
  wildcard: boolean;
  matchOnlyText: boolean;
}

/** Both ECS types available (what `mappings/findings-template.json` is written for). */
export const ECS_FIELD_TYPES: FieldTypes = Object.freeze({ wildcard: true, matchOnlyText: true });

/** The probe's index pattern: it matches no index, and the simulation creates nothing. */
const PROBE_PATTERN = 'curl-proxy-detector-field-type-probe-*';

/** The body of the `_index_template/_simulate` request that asks whether `type` can be mapped. */
export function fieldTypeProbe(type: string): estypes.IndicesSimulateTemplateRequest {
  return { index_patterns: [PROBE_PATTERN], template: { mappings: { properties: { probe: { type } as estypes.MappingProperty } } } };
}

/**
 * Asks the cluster, with `POST _index_template/_simulate` (nothing is stored), whether it can
 * map `wildcard` and `match_only_text`. A mapper the cluster lacks answers 400 "The mapper type
 * [...] declared on field [probe] does not exist"; any other failure is an error, not a guess.
 */
export async function detectFieldTypes(es: Client): Promise<FieldTypes> {
  return { wildcard: await canMap(es, 'wildcard'), matchOnlyText: await canMap(es, 'match_only_text') };
}

async function canMap(es: Client, type: string): Promise<boolean> {
  try {
    await es.indices.simulateTemplate(fieldTypeProbe(type));
    return true;
  } catch (err) {
    if (missingMapper(err) === type) return false;
    throw toServiceError(err, `asking whether the cluster maps ${type} (POST _index_template/_simulate)`);
  }
}

/** The mapper type a 400 says the cluster does not have ("The mapper type [wildcard] declared on field [...] does not exist"). */
function missingMapper(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError) || err.statusCode !== 400) return undefined;
  return /mapper type \[([^\]]+)\] declared on field \[[^\]]*\] does not exist/i.exec(JSON.stringify(err.body ?? ''))?.[1];
}

/**
 * The field types without the one a failed template write names as missing, or undefined when
 * the failure is something else (or names a type already off): the caller then writes again.
 */
export function withoutMissingMapper(types: FieldTypes, err: unknown): FieldTypes | undefined {
  const missing = missingMapper(err);
  if (missing === 'wildcard' && types.wildcard) return { ...types, wildcard: false };
  if (missing === 'match_only_text' && types.matchOnlyText) return { ...types, matchOnlyText: false };
  return undefined;
}

type Mapping = Record<string, unknown>;

/**
 * The mapping with each type the cluster lacks replaced: `wildcard` by `keyword` (with the
 * `ignore_above` command lines had before), `match_only_text` by `text`. Pure; a copy.
 */
export function adaptMappings<T>(mapping: T, types: FieldTypes): T {
  return adapt(mapping, types) as T;
}

function adapt(node: unknown, types: FieldTypes): unknown {
  if (Array.isArray(node)) return node.map((n) => adapt(n, types));
  if (node === null || typeof node !== 'object') return node;
  const out: Mapping = {};
  for (const [k, v] of Object.entries(node as Mapping)) out[k] = adapt(v, types);
  if (out.type === 'wildcard' && !types.wildcard) {
    out.type = 'keyword';
    out.ignore_above = 8191;
  }
  if (out.type === 'match_only_text' && !types.matchOnlyText) out.type = 'text';
  return out;
}

/**
 * The part of `wanted` an existing index does not map yet: new fields only. A field the index
 * already has keeps its type (Elasticsearch cannot change one in place: `process.command_line`
 * mapped `keyword` by an older template stays so until the next rollover), so putting the result
 * never conflicts. Returns undefined when nothing is missing.
 */
export function missingProperties(wanted: Mapping, existing: Mapping | undefined): Mapping | undefined {
  const out: Mapping = {};
  for (const [name, def] of Object.entries(wanted)) {
    const have = existing?.[name] as Mapping | undefined;
    if (have === undefined) {
      out[name] = def;
      continue;
    }
    const wantedChildren = (def as Mapping).properties as Mapping | undefined;
    if (wantedChildren === undefined) continue;
    const add = missingProperties(wantedChildren, have.properties as Mapping | undefined);
    if (add !== undefined) out[name] = { properties: add };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
