import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errors, type Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../../../src/clients/elasticsearch.js';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, InputError } from '../../../src/errors.js';
import { toServiceError } from '../../../src/source/errors.js';
import { issueCert, makeCa, makeTestPki, sha256Fingerprint, type IssuedCert, type TestPki } from '../../helpers/tls.js';

// elasticsearch.caFingerprint without elasticsearch.caFile, against small HTTPS servers on
// loopback that answer like Elasticsearch and present chosen certificate chains. A refused
// server must never receive a request, so never the credentials.

const password = 'pinned-Passw0rd';

/** An HTTPS server on `port` (0: any) presenting `chain` (PEM files, leaf first); records the Authorization headers it got. */
async function fakeEs(chain: readonly string[], key: string, port = 0): Promise<{ url: string; authorizations: string[]; close(): Promise<void> }> {
  const authorizations: string[] = [];
  const server: Server = createServer({ cert: chain.map((f) => readFileSync(f, 'utf8')).join(''), key: readFileSync(key) }, (req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify({ name: 'fake', cluster_name: 'fake', version: { number: '8.19.0' }, tagline: 'You Know, for Search' }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pinnedClient(url: string, fingerprint: string): Client {
  const config = loadConfig({
    env: {},
    defaultsDir: '/nonexistent',
    flags: { 'elasticsearch.url': url, 'elasticsearch.caFingerprint': fingerprint, 'elasticsearch.username': 'elastic', 'elasticsearch.password': password, 'elasticsearch.maxRetries': 0 },
  });
  return createElasticsearchClient(config.elasticsearch);
}

/** Runs one request through a pinned client against a server presenting `chain`. */
async function requestThrough(chain: readonly string[], key: string, fingerprint: string): Promise<{ result: unknown; authorizations: string[] }> {
  const server = await fakeEs(chain, key);
  const es = pinnedClient(server.url, fingerprint);
  try {
    const result = await es.info().then(
      (r) => r.version.number,
      (err: unknown) => err,
    );
    return { result, authorizations: server.authorizations };
  } finally {
    await es.close();
    await server.close();
  }
}

function assertRefused(outcome: { result: unknown; authorizations: string[] }, reason: RegExp): void {
  const err = outcome.result;
  assert.ok(err instanceof errors.ConnectionError, `expected a ConnectionError, got ${String(err)}`);
  assert.match(err.message, reason);
  assert.deepEqual(outcome.authorizations, [], 'the refused server received a request');
  const mapped = toServiceError(err, 'checking health');
  assert.ok(mapped instanceof InputError && !mapped.retryable, `a certificate problem is not retried: ${mapped.name}`);
}

describe('elasticsearch.caFingerprint without elasticsearch.caFile', () => {
  let pki: TestPki;
  let ca: IssuedCert;

  before(() => {
    pki = makeTestPki();
    ca = { cert: pki.caCert, key: pki.caKey };
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  it('accepts a server whose certificate the pinned CA signed, and logs in', async () => {
    const outcome = await requestThrough([pki.serverCert, pki.caCert], pki.serverKey, pki.caFingerprint);
    assert.equal(outcome.result, '8.19.0');
    assert.deepEqual(outcome.authorizations, [`Basic ${Buffer.from(`elastic:${password}`).toString('base64')}`]);
  });

  it('accepts the pin in either spelling (lower case, without colons)', async () => {
    const outcome = await requestThrough([pki.serverCert, pki.caCert], pki.serverKey, pki.caFingerprint.replace(/:/g, '').toLowerCase());
    assert.equal(outcome.result, '8.19.0');
  });

  it('refuses a forged leaf that another key signed under the CA\'s name, with the real CA appended', async () => {
    const rogue = makeCa(pki, '/CN=cpd-test-ca');
    const forged = issueCert(pki, { subject: '/CN=localhost', issuer: rogue, keyIds: false });
    assertRefused(await requestThrough([forged.cert, pki.caCert], forged.key, pki.caFingerprint), /certificate signature failure/);
  });

  it('refuses a self-signed leaf with the real CA appended', async () => {
    const self = makeCa(pki, '/CN=localhost');
    assertRefused(await requestThrough([self.cert, pki.caCert], self.key, pki.caFingerprint), /certificate/);
  });

  it('refuses a server that does not present the pinned certificate at all', async () => {
    assertRefused(await requestThrough([pki.serverCert], pki.serverKey, pki.caFingerprint), /none of the 1 certificate\(s\) the server presented has the SHA-256 fingerprint/);
  });

  it('refuses a certificate of the pinned CA issued for another host name', async () => {
    const elsewhere = issueCert(pki, { subject: '/CN=elsewhere.example', issuer: ca, altNames: 'DNS:elsewhere.example' });
    assertRefused(await requestThrough([elsewhere.cert, pki.caCert], elsewhere.key, pki.caFingerprint), /altnames|Hostname\/IP does not match/i);
  });

  it('verifies through an intermediate CA, pinning either the root or the intermediate', async () => {
    const intermediate = issueCert(pki, { subject: '/CN=cpd-test-intermediate', issuer: ca, ca: true });
    const leaf = issueCert(pki, { subject: '/CN=localhost', issuer: intermediate });
    const chain = [leaf.cert, intermediate.cert, pki.caCert];
    assert.equal((await requestThrough(chain, leaf.key, pki.caFingerprint)).result, '8.19.0');
    assert.equal((await requestThrough(chain, leaf.key, sha256Fingerprint(readFileSync(intermediate.cert)))).result, '8.19.0');
  });

  it('refuses a forged leaf under a pinned intermediate\'s name', async () => {
    const intermediate = issueCert(pki, { subject: '/CN=cpd-test-intermediate-2', issuer: ca, ca: true });
    const rogue = makeCa(pki, '/CN=cpd-test-intermediate-2');
    const forged = issueCert(pki, { subject: '/CN=localhost', issuer: rogue, keyIds: false });
    assertRefused(await requestThrough([forged.cert, intermediate.cert, pki.caCert], forged.key, sha256Fingerprint(readFileSync(intermediate.cert))), /certificate/);
  });

  it('finds the pinned CA once the server answers, after a first attempt found nothing listening', async () => {
    const server = await fakeEs([pki.serverCert, pki.caCert], pki.serverKey);
    const port = new URL(server.url).port;
    await server.close();
    const es = pinnedClient(`https://127.0.0.1:${port}`, pki.caFingerprint);
    let restarted: Awaited<ReturnType<typeof fakeEs>> | undefined;
    try {
      const first = await es.info().then(() => undefined, (err: unknown) => err);
      assert.ok(first instanceof errors.ConnectionError && /ECONNREFUSED/.test(first.message), String(first));
      restarted = await fakeEs([pki.serverCert, pki.caCert], pki.serverKey, Number(port));
      assert.equal((await es.info()).version.number, '8.19.0');
    } finally {
      await es.close();
      await restarted?.close();
    }
  });

  it('refuses to pin an http:// URL, as a configuration error', () => {
    assert.throws(() => pinnedClient('http://127.0.0.1:9200', pki.caFingerprint), (err: unknown) => err instanceof ConfigError && /^elasticsearch\.caFingerprint: expected an https:\/\/ elasticsearch\.url to pin, got http:\/\/$/.test(err.message));
  });
});

