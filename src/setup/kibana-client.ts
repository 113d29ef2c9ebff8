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
  /** Extra attempts after a connection failure, 429 or 502/503/504 (a repeated create answers 409, which the callers handle). */
  maxRetries?: number;
  /** First retry delay; doubles at each attempt. */
  retryDelayMs?: number;
}

/** One object looked up with `_export`: found with its stored attributes, or missing. */
export type LookupItem =
  | { type: string; id: string; found: true; attributes: Record<string, unknown> }
  | { type: string; id: string; found: false };

/** An HTTP method `setup` uses against Kibana. */
export type KibanaMethod = 'GET' | 'POST' | 'PUT';

/** How to send one JSON request. */
export interface JsonRequestOptions {
  /** Statuses answered with their body instead of an error (e.g. 404 for "no such rule"). */
  accept?: readonly number[];
  /** Sent as `elastic-api-version` (versioned public APIs such as the Detection Engine). */
  apiVersion?: string;
}

/** A JSON answer: its status and parsed body. */
export interface JsonResponse {
  status: number;
  body: unknown;
}

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
 * The Kibana APIs `setup` needs: saved objects `_export` (what exists, and at which version
 * marker) and `_import` (multipart NDJSON, overwrite), and JSON requests for the Detection
 * Engine. Every request carries `kbn-xsrf`, the configured auth and the space prefix. Failures
 * become KibanaError without credentials.
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

  /**
   * Looks objects up in the space with `POST /api/saved_objects/_export` (public, also on
   * serverless; `_bulk_get` is deprecated). Kibana refuses the whole export with 400 "Error
   * fetching objects to export" when any object is missing, listing each with its 404: those
   * are missing, and the others are exported again. Any other per-object error throws.
   */
  async exportObjects(objects: readonly { type: string; id: string }[]): Promise<LookupItem[]> {
    const doing = 'looking up the saved objects (_export)';
    const missing = new Set<string>();
    const found = new Map<string, Record<string, unknown>>();
    let wanted = [...objects];
    for (let round = 0; wanted.length > 0 && round < 2; round += 1) {
      const body = { objects: wanted.map(({ type, id }) => ({ type, id })), includeReferencesDeep: false, excludeExportDetails: true };
      const res = await this.send(doing, 'POST', 'api/saved_objects/_export', { 'content-type': 'application/json', accept: 'application/x-ndjson, application/json' }, encode(body), [400]);
      if (res.status === 400) {
        const errored = (this.parse(doing, res.status, res.text) as { attributes?: { objects?: { type?: string; id?: string; error?: { statusCode?: number; message?: string } }[] } }).attributes?.objects;
        if (!Array.isArray(errored) || errored.length === 0) throw new KibanaError(`${doing}: HTTP 400 ${this.scrub(reasonOf(res.text))}`, { retryable: false, status: 400 });
        for (const o of errored) {
          if (o.error?.statusCode !== 404) {
            throw new KibanaError(`${doing}: ${o.type ?? '?'}/${o.id ?? '?'}: HTTP ${o.error?.statusCode ?? '?'} ${this.scrub(o.error?.message ?? '')}`.trimEnd(), { retryable: (o.error?.statusCode ?? 0) >= 500, status: o.error?.statusCode });
          }
          missing.add(`${o.type ?? ''}/${o.id ?? ''}`);
        }
        wanted = wanted.filter((o) => !missing.has(`${o.type}/${o.id}`));
        continue;
      }
      for (const line of res.text.split('\n')) {
        if (line.trim() === '') continue;
        const o = this.parse(doing, res.status, line) as { type?: unknown; id?: unknown; attributes?: unknown };
        if (typeof o.type === 'string' && typeof o.id === 'string') found.set(`${o.type}/${o.id}`, (o.attributes ?? {}) as Record<string, unknown>);
      }
      wanted = [];
    }
    return objects.map(({ type, id }) => {
      const attributes = found.get(`${type}/${id}`);
      if (attributes !== undefined) return { type, id, found: true, attributes };
      if (missing.has(`${type}/${id}`)) return { type, id, found: false };
      throw new KibanaError(`${doing}: expected ${type}/${id} in the export or among the missing objects, Kibana listed it in neither`, { retryable: false });
    });
  }

  /** Imports NDJSON with `overwrite=true`; returns Kibana's answer for the caller to check object by object. */
  async importNdjson(ndjson: string, filename: string): Promise<ImportResponse> {
    const doing = 'importing the saved objects';
    const { body, contentType } = await multipartFile('file', filename, ndjson, 'application/ndjson');
    const res = await this.send(doing, 'POST', 'api/saved_objects/_import?overwrite=true', { 'content-type': contentType }, body);
    return this.parse(doing, res.status, res.text) as ImportResponse;
  }

  /** One JSON request to a Kibana API in the client's space; statuses not accepted become KibanaError. */
  async requestJson(doing: string, method: KibanaMethod, path: string, body: unknown, options: JsonRequestOptions = {}): Promise<JsonResponse> {
    const headers: Record<string, string> = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.apiVersion !== undefined ? { 'elastic-api-version': options.apiVersion } : {}) };
    const res = await this.send(doing, method, path, headers, body === undefined ? undefined : encode(body), options.accept ?? []);
    return { status: res.status, body: res.text === '' ? undefined : this.parse(`${doing} (${this.displayUrl}, space ${this.space})`, res.status, res.text) };
  }

  /** Removes credentials from any text before it goes into a message. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret.length >= 3) out = out.split(secret).join('***');
    return out;
  }

  private async send(doing: string, method: KibanaMethod, path: string, headers: Record<string, string>, body: Uint8Array | undefined, accept: readonly number[] = []): Promise<{ status: number; text: string }> {
    const req: HttpRequest = {
      method,
      url: this.urlFor(path),
      headers: { accept: 'application/json', 'kbn-xsrf': 'true', ...headers, ...(this.authorization !== undefined ? { authorization: this.authorization } : {}) },
      ...(body !== undefined ? { body } : {}),
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
      if ((status >= 200 && status < 300) || accept.includes(status)) return { status, text };
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

function encode(body: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(body));
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
