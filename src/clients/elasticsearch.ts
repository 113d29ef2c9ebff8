import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/schema.js';
import { readCaFile } from './ca-file.js';
import { ConfigError } from '../errors.js';

/**
 * Builds the official client from the validated config. The v8 client is used on purpose: it
 * sends `compatible-with=8`, which both 8.x and 9.x servers accept, and it runs on Node 20.
 */
export function createElasticsearchClient(es: Config['elasticsearch']): Client {
  const options: ClientOptions = {
    node: es.url,
    requestTimeout: es.requestTimeoutMs,
    maxRetries: es.maxRetries,
    compression: false,
  };
  if (es.apiKey !== undefined) options.auth = { apiKey: es.apiKey };
  else if (es.username !== undefined) {
    if (es.password === undefined) throw new ConfigError(['elasticsearch.password: expected a password with elasticsearch.username, got nothing']);
    options.auth = { username: es.username, password: es.password };
  }
  if (es.caFingerprint !== undefined) {
    options.caFingerprint = normalizeFingerprint(es.caFingerprint);
    // Pinning replaces the chain check (the client's documented recipe): without a CA file,
    // Node would reject a private CA before the fingerprint is ever compared.
    if (es.caFile === undefined) options.tls = { rejectUnauthorized: false };
  }
  if (es.caFile !== undefined) {
    options.tls = { ca: readCaFile('elasticsearch.caFile', es.caFile) };
  }
  return new Client(options);
}

/** `AA:BB:...` upper case, the form the client compares against. */
function normalizeFingerprint(value: string): string {
  const hex = value.replace(/:/g, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}
