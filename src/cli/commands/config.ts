import type { Command } from 'commander';
import { envKeys } from '../../config/env.js';
import { leafKeys } from '../../config/json-schema.js';
import { redactConfig } from '../../config/redact.js';
import { configFor } from '../context.js';

/** `config show` prints the effective configuration (secrets redacted); `config docs` prints the reference table. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('show')
    .description('validate and print the effective configuration as JSON (secrets redacted)')
    .action((_opts: unknown, cmd: Command) => {
      process.stdout.write(`${JSON.stringify(redactConfig(configFor(cmd)), null, 2)}\n`);
    });
  config
    .command('docs')
    .description('print every configuration key with its type, default and meaning (Markdown)')
    .action(() => {
      process.stdout.write(renderConfigDocs());
    });
}

/** The Markdown reference of every key, generated from the schema. */
export function renderConfigDocs(): string {
  const byKey = new Map(Object.entries(envKeys).map(([env, key]) => [key, env]));
  const rows = leafKeys().map(({ key, node }) => {
    const type = node.enum !== undefined ? node.enum.map((v) => JSON.stringify(v)).join(' \\| ') : describeType(node.type, node.items?.type);
    const def = node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``;
    const env = byKey.get(key);
    const doc = (node.description ?? '').replace(/\|/g, '\\|');
    return `| \`${key}\` | ${type} | ${def} | ${doc}${env !== undefined && !doc.includes(env) ? ` Env ${env}.` : ''} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows, ''].join('\n');
}

function describeType(type: unknown, itemType: unknown): string {
  const t = Array.isArray(type) ? type.join('/') : String(type ?? 'any');
  return t === 'array' ? `list of ${String(itemType ?? 'object')}` : t;
}
