import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../../src/clients/elasticsearch.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { makeTestPki, type TestPki } from './tls.js';

const esSh = fileURLToPath(new URL('../../scripts/es.sh', import.meta.url));

/** A secured single-node Elasticsearch a test started with `scripts/es.sh` (ES_SECURITY=1). */
export interface SecuredEs {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The throw-away CA that signed the node's certificate (and the certificate itself). */
  pki: TestPki;
  /** The file-realm superuser es.sh created. */
  superuser: { username: string; password: string };
  /** The product's client, logged in as the superuser and trusting the test CA. */
  admin: Client;
  /** Stops the node and removes the PKI; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a secured node on `port` (HTTPS with a fresh CA, a superuser, API keys) with an empty
 * data dir, stopping first whatever an earlier, interrupted run left there. The node is also
 * stopped when the test process exits without calling `stop()`.
 */
export async function startSecuredEs(port: number): Promise<SecuredEs> {
  const pki = makeTestPki();
  const superuser = { username: 'cpd-admin', password: `pw-${randomBytes(12).toString('hex')}` };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ES_PORT: String(port),
    ES_TRANSPORT_PORT: String(port + 100),
    ES_SECURITY: '1',
    ES_TLS_CERT: pki.serverCert,
    ES_TLS_KEY: pki.serverKey,
    ES_TLS_CA: pki.caCert,
    ES_SUPERUSER: superuser.username,
    ES_SUPERUSER_PASSWORD: superuser.password,
    ES_WIPE_DATA: '1',
  };
  // A test process that exits or is interrupted without reaching stop() still stops the node.
  const stopSync = (): void => {
    spawnSync('bash', [esSh, 'stop'], { env, stdio: 'ignore' });
    rmSync(pki.dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    process.kill(process.pid, signal); // the handler was a `once`: the default action follows
  };
  process.once('exit', stopSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let admin: Client | undefined;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopSync);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await admin?.close();
    await runEsSh(['stop'], env).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
    rmSync(pki.dir, { recursive: true, force: true });
  };
  try {
    await runEsSh(['stop'], env);
    const url = (await runEsSh(['start'], env)).trim().split('\n').pop() ?? '';
    if (!url.startsWith('https://')) throw new Error(`es.sh start printed ${JSON.stringify(url)}, expected the node's https URL`);
    admin = createElasticsearchClient(securedConfig(url, { 'elasticsearch.caFile': pki.caCert, 'elasticsearch.username': superuser.username, 'elasticsearch.password': superuser.password }).elasticsearch);
    return { url, pki, superuser, admin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The product's configuration for the secured node: its URL plus the given flags. */
export function securedConfig(url: string, flags: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, defaultsDir: '/nonexistent', flags: { 'elasticsearch.url': url, ...flags } });
}

/** Runs es.sh; resolves with its stdout, rejects with its stderr (the node's log tail on a failed start). */
function runEsSh(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [esSh, ...args], { env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`bash scripts/es.sh ${args.join(' ')} failed (${err.code ?? err.signal ?? '?'}):\n${stderr}`));
      else resolve(stdout);
    });
  });
}
