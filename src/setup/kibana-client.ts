import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { KibanaError } from './errors.js';
import { caTransport, fetchTransport, multipartFile, type HttpRequest, type Transport } from './kibana-transport.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** How `setup` authenticates to Kibana (none when Kibana security is off). */
export type KibanaAuth = { apiKey: string } | { username: string; password: string };

/** Connection settings of the Kibana client. */
export interface KibanaClientOptions {
  url: string;
  auth?: KibanaAuth | undefined;
  /** Kibana space id; undefined or "default" is the default space (no `/s/<id>` prefix). */
  space?: string | undefined;
  transport?: Transport;
  timeoutMs?: number;
  /** Extra attempts after a connection failure, 429 or 502/503/504 (both APIs used are idempotent). */
  maxRetries?: number;
  /** First retry delay; doubles at each attempt. */
  retryDelayMs?: number;
}

/** One object looked up with `_bulk_get`: found with its stored attributes, or missing. */
export type BulkGetItem =
  | { type: string; id: string; found: true; attributes: Record<string, unknown> }
  | { type: string; id: string; found: false };

/** One object Kibana imported; `destinationId` when it had to give the object a new id. */
export interface ImportSuccess {
  type: string;
  id: string;
  destinationId?: string;
  overwrite?: boolean;
}

/** One object Kibana did not import, with its reason. */
export interface ImportFailure {
  type: string;
  id: string;
  title?: string;
  error: { type: string; message?: string; statusCode?: number; references?: { type: string; id: string }[] };
}

/** The `_import` response body. */
export interface ImportResponse {
  success: boolean;
  successCount: number;
  successResults?: ImportSuccess[];
  errors?: ImportFailure[];
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/**
 * The two saved objects APIs `setup` needs: `_bulk_get` (what exists, and at which version
 * marker) and `_import` (multipart NDJSON, overwrite). Every request carries `kbn-xsrf`, the
 * configured auth and the space prefix. Failures become KibanaError without credentials.
 */
export class KibanaClient {
  /** The Kibana URL as shown in messages (never with credentials). */
  readonly displayUrl: string;
  /** The space objects go to. */
  readonly space: string;
  private readonly base: URL;
  private readonly authorization: string | undefined;
  private readonly secrets: string[];
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;

  constructor(options: KibanaClientOptions) {
    this.base = new URL(options.url);
    if (this.base.username !== '' || this.base.password !== '') {
      throw new ConfigError(['kibana.url: expected a URL without credentials (use kibana.username/password or kibana.apiKey), got one with a user-info part']);
    }
    this.base.search = '';
    this.base.hash = '';
    this.displayUrl = `${this.base.origin}${this.base.pathname.replace(/\/$/, '')}`;
    this.space = options.space ?? 'default';
    this.secrets = [];
    if (options.auth !== undefined && 'apiKey' in options.auth) {
      this.authorization = `ApiKey ${options.auth.apiKey}`;
      this.secrets.push(options.auth.apiKey);
    } else if (options.auth !== undefined) {
      const basic = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
      this.authorization = `Basic ${basic}`;
      this.secrets.push(options.auth.password, basic);
    } else {
      this.authorization = undefined;
    }
    this.transport = options.transport ?? fetchTransport;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
  }

  /** Looks objects up in the space; a 404 per object means missing, any other per-object error throws. */
  async bulkGet(objects: readonly { type: string; id: string }[]): Promise<BulkGetItem[]> {
    const doing = 'looking up the saved objects';
    const body = new TextEncoder().encode(JSON.stringify(objects.map(({ type, id }) => ({ type, id }))));
    const res = await this.request(doing, 'api/saved_objects/_bulk_get', { 'content-type': 'application/json' }, body);
    const list = (res as { saved_objects?: unknown }).saved_objects;
    if (!Array.isArray(list) || list.length !== objects.length) {
      throw new KibanaError(`${doing}: expected ${objects.length} saved_objects in the answer, got ${this.scrub(JSON.stringify(res).slice(0, 200))}`, { retryable: false });
    }
    return objects.map(({ type, id }, i) => {
      const item = (list[i] ?? {}) as { attributes?: Record<string, unknown>; error?: { statusCode?: number; error?: string; message?: string } };
      if (item.error === undefined) return { type, id, found: true, attributes: item.attributes ?? {} };
      if (item.error.statusCode === 404) return { type, id, found: false };
      const status = item.error.statusCode;
      throw new KibanaError(`${doing}: ${type}/${id}: HTTP ${status ?? '?'} ${this.scrub(item.error.message ?? item.error.error ?? '')}`.trimEnd(), {
        retryable: status !== undefined && (status >= 500 || status === 429),
        status,
      });
    });
  }

  /** Imports NDJSON with `overwrite=true`; returns Kibana's answer for the caller to check object by object. */
  async importNdjson(ndjson: string, filename: string): Promise<ImportResponse> {
    const { body, contentType } = await multipartFile('file', filename, ndjson, 'application/ndjson');
    const res = await this.request('importing the saved objects', 'api/saved_objects/_import?overwrite=true', { 'content-type': contentType }, body);
    return res as ImportResponse;
  }

  private async request(doing: string, path: string, headers: Record<string, string>, body: Uint8Array): Promise<unknown> {
    const req: HttpRequest = {
      method: 'POST',
      url: this.urlFor(path),
      headers: { accept: 'application/json', 'kbn-xsrf': 'true', ...headers, ...(this.authorization !== undefined ? { authorization: this.authorization } : {}) },
      body,
    };
    const where = `${doing} (${this.displayUrl}, space ${this.space})`;
    for (let attempt = 0; ; attempt += 1) {
      let status: number;
      let text: string;
      let location: string | undefined;
      try {
        ({ status, text, location } = await this.transport(req, this.timeoutMs));
      } catch (err) {
        if (attempt < this.maxRetries) {
          await sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        throw new KibanaError(`${where}: no answer: ${this.scrub(describeTransportError(err))}`, { retryable: true, cause: err });
      }
      if (status >= 200 && status < 300) return this.parse(where, status, text);
      if (status >= 300 && status < 400) {
        throw new KibanaError(`${where}: HTTP ${status} redirect to ${location ?? '(no location)'}; set kibana.url to the address Kibana answers on`, { retryable: false, status });
      }
      if (RETRY_STATUSES.has(status) && attempt < this.maxRetries) {
        await sleep(this.retryDelayMs * 2 ** attempt);
        continue;
      }
      throw new KibanaError(`${where}: HTTP ${status} ${this.scrub(reasonOf(text))}`.trimEnd(), { retryable: status === 429 || status >= 500, status });
    }
  }

  private parse(where: string, status: number, text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new KibanaError(`${where}: expected a JSON answer from Kibana, got HTTP ${status} ${this.scrub(text.slice(0, 200))}`, { retryable: false, status });
    }
  }

  private urlFor(path: string): URL {
    const prefix = this.base.pathname.replace(/\/$/, '');
    const space = this.space === 'default' ? '' : `/s/${encodeURIComponent(this.space)}`;
    return new URL(`${prefix}${space}/${path}`, this.base.origin);
  }

  /** Removes credentials from text that came back from Kibana or the network stack. */
  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret.length >= 3) out = out.split(secret).join('***');
    return out;
  }
}

/**
 * The client for `config.kibana`, or undefined when no Kibana URL is configured. Throws
 * ConfigError for a user without a password or an unreadable CA file.
 */
export function createKibanaClient(kibana: Config['kibana'], overrides: Partial<KibanaClientOptions> = {}): KibanaClient | undefined {
  if (kibana.url === undefined) return undefined;
  let auth: KibanaAuth | undefined;
  if (kibana.apiKey !== undefined) auth = { apiKey: kibana.apiKey };
  else if (kibana.username !== undefined) {
    if (kibana.password === undefined) throw new ConfigError(['kibana.password: expected a password with kibana.username, got nothing']);
    auth = { username: kibana.username, password: kibana.password };
  } else if (kibana.password !== undefined) {
    throw new ConfigError(['kibana.username: expected a user with kibana.password, got nothing']);
  }
  let transport: Transport | undefined;
  if (kibana.caFile !== undefined) {
    try {
      transport = caTransport(readFileSync(kibana.caFile, 'utf8'));
    } catch (err) {
      throw new ConfigError([`kibana.caFile: expected a readable PEM file, got ${(err as NodeJS.ErrnoException).code ?? String(err)} for ${kibana.caFile}`]);
    }
  }
  return new KibanaClient({ url: kibana.url, auth, space: kibana.space, ...(transport !== undefined ? { transport } : {}), ...overrides });
}

function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const parts = [body.error, body.message].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // not JSON: show the start of the text
  }
  return text.slice(0, 200);
}

function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail !== undefined && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
}
