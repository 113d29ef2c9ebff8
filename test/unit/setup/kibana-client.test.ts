import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { KibanaError } from '../../../src/setup/errors.js';
import { KibanaClient, createKibanaClient, type KibanaClientOptions } from '../../../src/setup/kibana-client.js';
import { importSavedObjects } from '../../../src/setup/kibana-import.js';
import { loadSavedObjects, parseSavedObjects, versionMarker, type SavedObjectDoc } from '../../../src/setup/saved-objects.js';

// Kibana cannot run on this machine (no Docker, not packaged for Debian or npm), so the Kibana
// client is tested against a local fake HTTP server that records every request and answers as
// Kibana's saved objects API does (`_export`: the objects as NDJSON, or 400 "Error fetching
// objects to export" listing each missing object with its 404, as core's SavedObjectsExportError
// objectFetchError and the export route answer; `_import`: success, successResults, errors).
// This fake is used for this unit test only; everything that can run against the real
// Elasticsearch does.

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Reply = { status: number; json?: unknown; text?: string };
type Handler = (req: Recorded) => Reply;

const requests: Recorded[] = [];
let handler: Handler = () => ({ status: 500, text: 'no handler' });
let server: Server;
let baseUrl: string;

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      const reply = handler(recorded);
      res.writeHead(reply.status, { 'content-type': reply.json !== undefined ? 'application/json' : 'text/plain' });
      res.end(reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? ''));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((res) => server.close(() => res()));
});
afterEach(() => {
  requests.length = 0;
});

const PASSWORD = 'pa55-w0rd-s3cret';
const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const objects = loadSavedObjects('curl-proxy-findings');
const MARKER = versionMarker(objects.find((o) => o.type === 'dashboard')?.attributes ?? {}) ?? '';

function client(options: Partial<KibanaClientOptions> = {}): KibanaClient {
  return new KibanaClient({ url: baseUrl, auth: { username: 'elastic', password: PASSWORD }, maxRetries: 0, retryDelayMs: 1, ...options });
}

/**
 * An `_export` answer as Kibana gives it: every object asked for as one NDJSON line, or, when
 * any is missing, 400 with each missing object and its 404 (nothing exported).
 */
function exportReply(body: Buffer, stored: (type: string, id: string) => Record<string, unknown> | undefined): Reply {
  const asked = (JSON.parse(body.toString('utf8')) as { objects: { type: string; id: string }[] }).objects;
  const missing = asked.filter(({ type, id }) => stored(type, id) === undefined);
  if (missing.length > 0) {
    return {
      status: 400,
      json: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'Error fetching objects to export',
        attributes: { objects: missing.map(({ type, id }) => ({ id, type, error: { statusCode: 404, error: 'Not Found', message: `Saved object [${type}/${id}] not found` } })) },
      },
    };
  }
  return { status: 200, text: asked.map(({ type, id }) => JSON.stringify({ id, type, attributes: stored(type, id), references: [], managed: false, coreMigrationVersion: '8.8.0' })).join('\n') };
}

/** The saved objects in a recorded multipart `_import` body. */
function importedObjects(req: Recorded): SavedObjectDoc[] {
  const boundary = /boundary=(.+)$/.exec(String(req.headers['content-type']))?.[1];
  assert.ok(boundary !== undefined, 'multipart boundary');
  const part = req.body.toString('utf8').split(`--${boundary}`)[1] ?? '';
  const content = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  return parseSavedObjects(content, 'import body');
}

/** Kibana's `_import` answer for what was sent: every object imported. */
function importReply(req: Recorded): Reply {
  const sent = importedObjects(req);
  return { status: 200, json: { success: true, successCount: sent.length, successResults: sent.map((o) => ({ type: o.type, id: o.id, meta: { title: 'x' } })), warnings: [] } };
}

/** Serves `_export` from `stored` and records imports; anything else is a 404. */
function kibana(stored: (type: string, id: string) => Record<string, unknown> | undefined, onImport: Handler = importReply): Handler {
  return (req) => {
    if (req.url.endsWith('/api/saved_objects/_export')) return exportReply(req.body, stored);
    if (req.url.includes('/api/saved_objects/_import')) return onImport(req);
    return { status: 404, json: { statusCode: 404, error: 'Not Found', message: 'Not Found' } };
  };
}

function secretFree(err: unknown): true {
  assert.ok(err instanceof KibanaError, `expected a KibanaError, got ${String(err)}`);
  const basic = Buffer.from(`elastic:${PASSWORD}`).toString('base64');
  for (const secret of [PASSWORD, API_KEY, basic]) assert.ok(!err.message.includes(secret), `message leaks a secret: ${err.message}`);
  return true;
}

describe('the Kibana client against a fake Kibana', () => {
  it('creates every object on first import, sending kbn-xsrf, basic auth and the NDJSON file as multipart form data', async () => {
    handler = kibana(() => undefined);
    const reports = await importSavedObjects(client(), objects);
    assert.deepEqual(reports.map((r) => r.status), objects.map(() => 'created'));
    // One export that finds none (400, every object missing), then the import.
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), ['POST /api/saved_objects/_export', 'POST /api/saved_objects/_import?overwrite=true']);
    for (const r of requests) {
      assert.equal(r.headers['kbn-xsrf'], 'true');
      assert.equal(r.headers.authorization, `Basic ${Buffer.from(`elastic:${PASSWORD}`).toString('base64')}`);
    }
    const [exported, imported] = requests as [Recorded, Recorded];
    assert.equal(exported.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(exported.body.toString('utf8')), { objects: objects.map(({ type, id }) => ({ type, id })), includeReferencesDeep: false, excludeExportDetails: true });
    assert.match(String(imported.headers['content-type']), /^multipart\/form-data; boundary=/);
    const text = imported.body.toString('utf8');
    assert.match(text, /Content-Disposition: form-data; name="file"; filename="curl-proxy-findings\.ndjson"/i);
    assert.deepEqual(importedObjects(imported), objects);
  });

  it('sends an API key as "Authorization: ApiKey" and puts the space and a base path in front of the API', async () => {
    handler = kibana(() => undefined);
    await importSavedObjects(client({ url: `${baseUrl}/kibana/`, auth: { apiKey: API_KEY }, space: 'team-a' }), objects);
    assert.deepEqual(requests.map((r) => r.url), ['/kibana/s/team-a/api/saved_objects/_export', '/kibana/s/team-a/api/saved_objects/_import?overwrite=true']);
    for (const r of requests) assert.equal(r.headers.authorization, `ApiKey ${API_KEY}`);
  });

  it('sends no Authorization header when Kibana security is off, and no /s/ prefix for the default space', async () => {
    handler = kibana(() => undefined);
    await importSavedObjects(client({ auth: undefined, space: 'default' }), objects);
    assert.equal(requests[0]?.url, '/api/saved_objects/_export');
    for (const r of requests) assert.equal(r.headers.authorization, undefined);
  });

  it('imports nothing when every object is there at the current version, and reports them all unchanged', async () => {
    const byKey = new Map(objects.map((o) => [`${o.type}/${o.id}`, o.attributes]));
    handler = kibana((type, id) => {
      const attrs = byKey.get(`${type}/${id}`);
      // Kibana hands objects back migrated: only the marker and the data view's own attributes survive as written.
      return attrs === undefined ? undefined : type === 'index-pattern' ? { ...attrs, fieldAttrs: '{}' } : { title: attrs.title, description: attrs.description, migrated: true };
    });
    const reports = await importSavedObjects(client(), objects);
    assert.deepEqual(reports.map((r) => r.status), objects.map(() => 'unchanged'));
    assert.deepEqual(requests.map((r) => r.url), ['/api/saved_objects/_export'], 'one export that finds them all, no import request');
  });

  it('imports only the objects that are missing or carry another version marker', async () => {
    const dashboard = objects.find((o) => o.type === 'dashboard') as SavedObjectDoc;
    const firstLens = objects.find((o) => o.type === 'lens') as SavedObjectDoc;
    handler = kibana((type, id) => {
      if (type === 'lens' && id === firstLens.id) return undefined; // deleted by someone
      if (type === 'dashboard') return { title: 'old', description: 'old dashboard [curl-proxy-detector saved objects v0]' };
      const o = objects.find((x) => x.type === type && x.id === id);
      return o?.attributes;
    });
    const reports = await importSavedObjects(client(), objects);
    const status = Object.fromEntries(reports.map((r) => [`${r.type}/${r.id}`, r.status]));
    assert.equal(status[`dashboard/${dashboard.id}`], 'updated');
    assert.equal(status[`lens/${firstLens.id}`], 'created');
    assert.equal(Object.values(status).filter((s) => s === 'unchanged').length, objects.length - 2);
    // The first export names the missing Lens, the second exports the others, then the import.
    assert.deepEqual(requests.map((r) => r.url.replace(/\?.*/, '')), ['/api/saved_objects/_export', '/api/saved_objects/_export', '/api/saved_objects/_import']);
    assert.equal((JSON.parse((requests[1] as Recorded).body.toString('utf8')) as { objects: unknown[] }).objects.length, objects.length - 1);
    const sent = importedObjects(requests[2] as Recorded);
    assert.deepEqual(sent.map((o) => `${o.type}/${o.id}`).sort(), [`dashboard/${dashboard.id}`, `lens/${firstLens.id}`].sort());
    assert.ok(MARKER !== '' && sent.every((o) => versionMarker(o.attributes) === MARKER));
  });

  it('reports the new id when Kibana had to store an object under another one', async () => {
    handler = kibana(
      () => undefined,
      (req) => {
        const sent = importedObjects(req);
        return { status: 200, json: { success: true, successCount: sent.length, successResults: sent.map((o) => ({ type: o.type, id: o.id, ...(o.type === 'dashboard' ? { destinationId: 'b7f3-new' } : {}) })) } };
      },
    );
    const reports = await importSavedObjects(client(), objects);
    assert.equal(reports.find((r) => r.type === 'dashboard')?.destinationId, 'b7f3-new');
    assert.equal(reports.find((r) => r.type === 'lens')?.destinationId, undefined);
  });

  it('fails with the rejected objects and their reasons when Kibana answers success: false', async () => {
    handler = kibana(
      () => undefined,
      () => ({
        status: 200,
        json: {
          success: false,
          successCount: 0,
          errors: [
            { id: 'curl-proxy-findings-overview', type: 'dashboard', meta: {}, error: { type: 'missing_references', references: [{ type: 'lens', id: 'curl-proxy-findings-top-hosts' }] } },
            { id: 'curl-proxy-findings-recent', type: 'search', meta: {}, error: { type: 'unknown', message: 'Document validation failed', statusCode: 400 } },
          ],
        },
      }),
    );
    await assert.rejects(importSavedObjects(client(), objects), (err: unknown) => {
      secretFree(err);
      const e = err as KibanaError;
      assert.equal(e.retryable, false);
      assert.equal(e.code, 'CPD_KIBANA_FAILED');
      assert.match(e.message, /Kibana rejected the import: dashboard\/curl-proxy-findings-overview missing_references \(missing lens\/curl-proxy-findings-top-hosts\); search\/curl-proxy-findings-recent unknown: Document validation failed/);
      return true;
    });
  });

  it('fails when Kibana answers success: true but leaves an object out', async () => {
    handler = kibana(() => undefined, () => ({ status: 200, json: { success: true, successCount: 0 } }));
    await assert.rejects(importSavedObjects(client(), objects), /expected index-pattern\/curl-proxy-findings among the imported objects/);
  });

  it('retries a 503 and then gives up with a retryable error naming the status', async () => {
    handler = () => ({ status: 503, json: { statusCode: 503, error: 'Service Unavailable', message: 'Kibana server is not ready yet' } });
    await assert.rejects(client({ maxRetries: 2 }).exportObjects([{ type: 'dashboard', id: 'x' }]), (err: unknown) => {
      secretFree(err);
      const e = err as KibanaError;
      assert.equal(e.retryable, true);
      assert.equal(e.status, 503);
      assert.match(e.message, /^kibana: looking up the saved objects \(_export\) \(http:\/\/127\.0\.0\.1:\d+, space default\): HTTP 503 Service Unavailable: Kibana server is not ready yet$/);
      return true;
    });
    assert.equal(requests.length, 3, 'one request and two retries');
  });

  it('treats a 500 as retryable and a 401 as final, and never repeats credentials Kibana echoes back', async () => {
    handler = (req) => ({ status: 500, json: { statusCode: 500, error: 'Internal Server Error', message: `boom for ${String(req.headers.authorization)} / ${PASSWORD}` } });
    await assert.rejects(client().exportObjects([{ type: 'lens', id: 'x' }]), (err: unknown) => secretFree(err) && (err as KibanaError).retryable);

    handler = (req) => ({ status: 401, json: { statusCode: 401, error: 'Unauthorized', message: `unable to authenticate with ${String(req.headers.authorization)}` } });
    for (const auth of [{ username: 'elastic', password: PASSWORD }, { apiKey: API_KEY }]) {
      await assert.rejects(importSavedObjects(client({ auth }), objects), (err: unknown) => {
        secretFree(err);
        assert.equal((err as KibanaError).retryable, false);
        assert.equal((err as KibanaError).status, 401);
        assert.match((err as KibanaError).message, /HTTP 401 Unauthorized: unable to authenticate with (Basic|ApiKey) \*\*\*/);
        return true;
      });
    }
  });

  it('fails on a per-object error other than "not found" in the _export answer', async () => {
    handler = () => ({ status: 400, json: { statusCode: 400, error: 'Bad Request', message: 'Error fetching objects to export', attributes: { objects: [{ id: 'x', type: 'lens', error: { statusCode: 403, error: 'Forbidden', message: 'Unable to bulk_get lens' } }] } } });
    await assert.rejects(client().exportObjects([{ type: 'lens', id: 'x' }]), /lens\/x: HTTP 403 Unable to bulk_get lens/);
  });

  it('fails on a 400 that lists no object (a request Kibana rejects), instead of calling everything missing', async () => {
    handler = () => ({ status: 400, json: { statusCode: 400, error: 'Bad Request', message: '[request body.objects]: expected value of type [array]' } });
    await assert.rejects(client().exportObjects([{ type: 'lens', id: 'x' }]), /HTTP 400 Bad Request: \[request body.objects\]/);
  });

  it('reads the objects of an export that finds them all from its NDJSON lines', async () => {
    handler = () => ({ status: 200, text: `${JSON.stringify({ id: 'x', type: 'lens', attributes: { title: 'X' } })}\n${JSON.stringify({ id: 'y', type: 'search', attributes: { title: 'Y' } })}\n` });
    assert.deepEqual(await client().exportObjects([{ type: 'search', id: 'y' }, { type: 'lens', id: 'x' }]), [
      { type: 'search', id: 'y', found: true, attributes: { title: 'Y' } },
      { type: 'lens', id: 'x', found: true, attributes: { title: 'X' } },
    ]);
  });

  it('does not follow a redirect, which would carry the credentials elsewhere, and names its target', async () => {
    const redirecting = createServer((req, res) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.alloc(0) });
      res.writeHead(302, { location: 'https://login.example.com/sso' });
      res.end();
    });
    await new Promise<void>((res) => redirecting.listen(0, '127.0.0.1', res));
    try {
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      await assert.rejects(client({ url }).exportObjects([{ type: 'lens', id: 'x' }]), (err: unknown) => {
        secretFree(err);
        assert.match((err as KibanaError).message, /HTTP 302 redirect to https:\/\/login\.example\.com\/sso; set kibana\.url to the address Kibana answers on/);
        return true;
      });
      assert.equal(requests.length, 1, 'the redirect was not followed');
    } finally {
      await new Promise<void>((res) => redirecting.close(() => res()));
    }
  });

  it('fails clearly when the URL answers something that is not Kibana', async () => {
    handler = () => ({ status: 200, text: '<html>proxy login</html>' });
    await assert.rejects(client().exportObjects([{ type: 'lens', id: 'x' }]), /expected a JSON answer from Kibana, got HTTP 200 <html>proxy login<\/html>/);
  });

  it('reports a Kibana that does not answer as retryable, without credentials', async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    await assert.rejects(client({ url: `http://127.0.0.1:${port}` }).exportObjects([{ type: 'lens', id: 'x' }]), (err: unknown) => {
      secretFree(err);
      assert.equal((err as KibanaError).retryable, true);
      assert.match((err as KibanaError).message, /no answer: fetch failed \(ECONNREFUSED\)/);
      return true;
    });
  });
});

describe('building the Kibana client from the configuration', () => {
  const kibanaConfig = (flags: Record<string, string>) => loadConfig({ env: {}, flags }).kibana;

  it('builds none without a Kibana URL', () => {
    assert.equal(createKibanaClient(kibanaConfig({})), undefined);
  });

  it('uses the space and the URL given', () => {
    const c = createKibanaClient(kibanaConfig({ 'kibana.url': 'https://kibana.example:5601/', 'kibana.space': 'secops' }));
    assert.equal(c?.displayUrl, 'https://kibana.example:5601');
    assert.equal(c?.space, 'secops');
  });

  it('rejects a user without a password, a password without a user and an unreadable CA file as configuration errors', () => {
    assert.throws(() => createKibanaClient(kibanaConfig({ 'kibana.url': 'http://k:5601', 'kibana.username': 'u' })), ConfigError);
    assert.throws(() => createKibanaClient(kibanaConfig({ 'kibana.url': 'http://k:5601', 'kibana.password': PASSWORD })), ConfigError);
    assert.throws(() => createKibanaClient(kibanaConfig({ 'kibana.url': 'http://k:5601', 'kibana.caFile': '/nonexistent/ca.pem' })), /kibana\.caFile: expected a readable PEM file, got ENOENT/);
  });

  it('rejects credentials inside the URL before they can reach a message', () => {
    assert.throws(() => kibanaConfig({ 'kibana.url': `http://elastic:${PASSWORD}@kibana:5601` }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes(PASSWORD), err.message);
      return true;
    });
  });

  it('reads the Kibana settings from KIBANA_* environment variables', () => {
    const config = loadConfig({ env: { KIBANA_URL: 'http://kibana:5601', KIBANA_USERNAME: 'elastic', KIBANA_PASSWORD: PASSWORD, KIBANA_API_KEY: API_KEY } });
    assert.deepEqual(config.kibana, { url: 'http://kibana:5601', username: 'elastic', password: PASSWORD, apiKey: API_KEY });
  });
});

describe('a Kibana behind a private CA (kibana.caFile)', () => {
  // A self-signed certificate made with openssl for this test; skipped where openssl is missing.
  const dir = mkdtempSync(join(tmpdir(), 'cpd-kibana-ca-'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem')], { encoding: 'utf8' });
  const skip = made.status !== 0 ? 'openssl is not available to make a test certificate' : false;
  let tlsUrl = '';
  let tls: ReturnType<typeof createHttpsServer> | undefined;

  before(async () => {
    if (skip !== false) return;
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        requests.push(recorded);
        const reply = handler(recorded);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.json ?? {}));
      });
    });
    await new Promise<void>((res) => tls?.listen(0, '127.0.0.1', res));
    tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (tls !== undefined) await new Promise<void>((res) => tls?.close(() => res()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports over https trusting the CA file, with the same headers and multipart body', { skip }, async () => {
    handler = kibana(() => undefined);
    const config = loadConfig({ env: {}, flags: { 'kibana.url': tlsUrl, 'kibana.apiKey': API_KEY, 'kibana.caFile': join(dir, 'ca.pem'), 'kibana.space': 'soc' } }).kibana;
    const c = createKibanaClient(config, { maxRetries: 0 });
    assert.ok(c !== undefined);
    const reports = await importSavedObjects(c, objects);
    assert.ok(reports.every((r) => r.status === 'created'));
    assert.deepEqual(requests.map((r) => r.url), ['/s/soc/api/saved_objects/_export', '/s/soc/api/saved_objects/_import?overwrite=true']);
    assert.equal(requests[1]?.headers['kbn-xsrf'], 'true');
    assert.equal(requests[1]?.headers.authorization, `ApiKey ${API_KEY}`);
    assert.deepEqual(importedObjects(requests[1] as Recorded), objects);
  });

  it('refuses the certificate without the CA file, as a retryable failure without credentials', { skip }, async () => {
    handler = kibana(() => undefined);
    await assert.rejects(client({ url: tlsUrl, auth: { apiKey: API_KEY } }).exportObjects([{ type: 'lens', id: 'x' }]), (err: unknown) => {
      secretFree(err);
      assert.match((err as KibanaError).message, /no answer: fetch failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
      return true;
    });
  });
});
