import { z } from 'zod';
import { configSchema } from './schema.js';

/** A JSON-schema node, the subset the loader and the docs read. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

let cached: SchemaNode | undefined;

/** The config schema as JSON Schema (input side, so defaults are visible). */
export function configJsonSchema(): SchemaNode {
  cached ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  return cached;
}

/** The schema node of a dotted key, or undefined when no such key exists. */
export function nodeAt(path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = configJsonSchema();
  for (const segment of path.split('.')) {
    // Own keys only: `constructor` or `__proto__` must not resolve to Object's own members.
    const properties: Record<string, SchemaNode> | undefined = node?.properties;
    node = properties !== undefined && Object.hasOwn(properties, segment) ? properties[segment] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Every leaf key of the schema (objects are walked, arrays are leaves), in declaration order. */
export function leafKeys(node: SchemaNode = configJsonSchema(), prefix = ''): { key: string; node: SchemaNode }[] {
  const out: { key: string; node: SchemaNode }[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (child.type === 'object' && child.properties !== undefined) out.push(...leafKeys(child, key));
    else out.push({ key, node: child });
  }
  return out;
}
