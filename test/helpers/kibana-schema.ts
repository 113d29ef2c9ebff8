import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { openapiSchemaToJsonSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

/** Kibana's published Detection Engine schema, as kept in the fixture (its header cites source, commit and version). */
export const RULE_SCHEMA_FILE = fileURLToPath(new URL('../fixtures/kibana/detection-rules-openapi.yaml', import.meta.url));

type Schema = Record<string, unknown>;

/** Validators of the request bodies `setup` sends, compiled from the fixture. */
export interface RuleSchemas {
  /** Body of POST /api/detection_engine/rules for a query rule. */
  create: ValidateFunction;
  /** Body of PUT /api/detection_engine/rules for a query rule. */
  update: ValidateFunction;
  /** Every top-level property a QueryRuleCreateProps (or UpdateProps) may have. */
  createProperties: Set<string>;
  updateProperties: Set<string>;
}

/**
 * Checks the fixture is a valid OpenAPI 3.0 document whose references all resolve
 * (@apidevtools/swagger-parser), converts its component schemas to JSON Schema
 * (@openapi-contrib/openapi-schema-to-json-schema) and compiles them with Ajv. OpenAPI 3.0's
 * `nullable` next to a `$ref` (RuleActionFrequency.throttle, which Kibana answers as null) is
 * read as "this, or null", as Kibana's generated request schema reads it.
 */
export async function loadRuleSchemas(): Promise<RuleSchemas> {
  await SwaggerParser.validate(RULE_SCHEMA_FILE);
  const doc = parse(readFileSync(RULE_SCHEMA_FILE, 'utf8')) as { components: { schemas: Record<string, Schema> } };
  const schemas: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const { $schema: _draft, ...converted } = openapiSchemaToJsonSchema(schema as never, { beforeTransform: nullableRef } as never) as Schema;
    schemas[name] = converted;
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = (addFormatsModule as unknown as { default?: (a: Ajv) => void }).default ?? (addFormatsModule as unknown as (a: Ajv) => void);
  addFormats(ajv);
  // Kibana's own formats: a string with something other than white space; date math such as now-10m.
  ajv.addFormat('nonempty', /\S/);
  ajv.addFormat('date-math', /^now(-\d+[smhdwMy])?$|^\d{4}-\d{2}-\d{2}T/);
  ajv.addSchema({ $id: 'kibana-detection-engine', components: { schemas } });
  const get = (name: string): ValidateFunction => {
    const v = ajv.getSchema(`kibana-detection-engine#/components/schemas/${name}`);
    if (v === undefined) throw new Error(`no schema ${name} in ${RULE_SCHEMA_FILE}`);
    return v;
  };
  return {
    create: get('QueryRuleCreateProps'),
    update: get('QueryRuleUpdateProps'),
    createProperties: propertiesOf('QueryRuleCreateProps', doc.components.schemas),
    updateProperties: propertiesOf('QueryRuleUpdateProps', doc.components.schemas),
  };
}

function nullableRef(schema: Schema): Schema {
  if (typeof schema.$ref === 'string' && schema.nullable === true) {
    const { $ref, nullable: _n, ...rest } = schema;
    return { ...rest, anyOf: [{ $ref }, { type: 'null' }] };
  }
  return schema;
}

/** The property names a schema allows, following allOf and $ref within the components. */
function propertiesOf(name: string, all: Record<string, Schema>): Set<string> {
  const out = new Set<string>();
  const walk = (s: Schema | undefined): void => {
    if (s === undefined) return;
    if (typeof s.$ref === 'string') return walk(all[s.$ref.replace('#/components/schemas/', '')]);
    for (const key of Object.keys((s.properties ?? {}) as Schema)) out.add(key);
    for (const part of (s.allOf ?? []) as Schema[]) walk(part);
  };
  walk(all[name]);
  return out;
}

/** Ajv's errors as short lines, for assertion messages. */
export function schemaErrors(v: ValidateFunction): string[] {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
