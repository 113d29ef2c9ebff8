import { Client, type ClientOptions, type UndiciAgentOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/schema.js';
import { readCaFile } from './ca-file.js';
import { pinnedCaConnector } from './pinned-ca.js';
import { ConfigError } from '../errors.js';

/**
 * Builds the official client from the validated config. The v8 client is used on purpose: it
 * sends `compatible-with=8`, which both 8.x and 9.x servers accept, and it runs on Node 20.
 */
export function createElasticsearchClient(es: Config['elasticsearch']): Client {
  // Credentials never stay in the node URL: the transport copies that URL into every span
  // (`url.full`) and into error metadata. They become the client's auth instead.
  const { url, username: urlUser, password: urlPassword } = splitUrlCredentials(es.url);
  const options: ClientOptions = {
    node: url,
    requestTimeout: es.requestTimeoutMs,
    maxRetries: es.maxRetries,
    compression: false,
  };
  if (es.apiKey !== undefined) options.auth = { apiKey: es.apiKey };
  else if (es.username !== undefined) {
    if (es.password === undefined) throw new ConfigError(['elasticsearch.password: expected a password with elasticsearch.username, got nothing']);
    options.auth = { username: es.username, password: es.password };
  } else if (urlUser !== undefined) options.auth = { username: urlUser, password: urlPassword ?? '' };
  if (es.caFile !== undefined) {
    options.tls = { ca: readCaFile('elasticsearch.caFile', es.caFile) };
    // With a CA file the chain is verified against it; the client then also compares the pin.
    if (es.caFingerprint !== undefined) options.caFingerprint = normalizeFingerprint(es.caFingerprint);
  } else if (es.caFingerprint !== undefined) {
    if (!url.startsWith('https://')) {
      throw new ConfigError([`elasticsearch.caFingerprint: expected an https:// elasticsearch.url to pin, got ${new URL(url).protocol}//`]);
    }
    // The client's own caFingerprint check compares the pin with the top of a chain it does not
    // verify (a forged leaf with the real CA appended passes), so the pinned CA becomes the one
    // trust anchor of a fully verified handshake instead. undici's Pool takes `connect` from
    // the agent options (the transport spreads them into the Pool's); the type omits it.
    options.agent = { connect: pinnedCaConnector(es.caFingerprint, es.requestTimeoutMs) } as UndiciAgentOptions;
  }
  return new Client(options);
}

/** The URL without user info, and the decoded user and password it held (if any). */
export function splitUrlCredentials(raw: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(raw);
  if (parsed.username === '' && parsed.password === '') return { url: raw };
  const username = decodeUserInfo(parsed.username);
  const password = decodeUserInfo(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), ...(username !== '' ? { username, password } : {}) };
}

/** Percent-decoded, or as written when it is not valid percent-encoding (`%zz`). */
function decodeUserInfo(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `AA:BB:...` upper case, the form the client compares against. */
function normalizeFingerprint(value: string): string {
  const hex = value.replace(/:/g, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}
