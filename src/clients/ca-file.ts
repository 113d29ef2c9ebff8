import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** A PEM file named by config key `key`, or a ConfigError saying why it cannot be read. */
export function readCaFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${key}: expected a readable PEM file, got ${(err as NodeJS.ErrnoException).code ?? String(err)} for ${path}`]);
  }
}
