import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
export interface TestPki {
  dir: string;
  caCert: string;
  /** The CA's private key (to issue more certificates in a test). */
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** SHA-256 fingerprint of the CA certificate, `AA:BB:...`. */
  caFingerprint: string;
}

/** Creates the PKI in a fresh temporary folder. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cpd-pki-'));
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=cpd-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('ext.cnf'));
  return { dir, caCert: p('ca.pem'), caKey: p('ca.key'), serverCert: p('server.pem'), serverKey: p('server.key'), caFingerprint: sha256Fingerprint(readFileSync(p('ca.pem'))) };
}

/** SHA-256 fingerprint of a PEM certificate, `AA:BB:...`. */
export function sha256Fingerprint(pem: Buffer | string): string {
  const hex = createHash('sha256').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}

/** A key pair and certificate made by `issueCert`: PEM file paths. */
export interface IssuedCert {
  cert: string;
  key: string;
}

let issued = 0;

/**
 * Issues a certificate in `pki.dir`: a CA (`ca: true`) or a server certificate for `altNames`
 * (default 127.0.0.1 and localhost), signed by `issuer`. `keyIds: false` leaves out the subject
 * and authority key identifiers, as a forger does whose certificate must chain by name alone.
 */
export function issueCert(
  pki: TestPki,
  options: { subject: string; issuer: IssuedCert; ca?: boolean; altNames?: string; keyIds?: boolean },
): IssuedCert {
  const n = ++issued;
  const p = (f: string) => join(pki.dir, `issued-${n}-${f}`);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key.pem'), '-out', p('csr.pem'), '-subj', options.subject);
  const ext = [
    options.ca === true ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign' : `subjectAltName=${options.altNames ?? 'IP:127.0.0.1,DNS:localhost'}`,
    options.keyIds === false ? 'subjectKeyIdentifier=none\nauthorityKeyIdentifier=none' : '',
  ].join('\n');
  writeFileSync(p('ext.cnf'), `${ext}\n`);
  ssl('x509', '-req', '-in', p('csr.pem'), '-CA', options.issuer.cert, '-CAkey', options.issuer.key, '-CAcreateserial', '-out', p('cert.pem'), '-days', '2', '-extfile', p('ext.cnf'));
  return { cert: p('cert.pem'), key: p('key.pem') };
}

/** A self-signed CA in `pki.dir` with the given subject (e.g. the real CA's name, for a rogue one). */
export function makeCa(pki: TestPki, subject: string): IssuedCert {
  const n = ++issued;
  const p = (f: string) => join(pki.dir, `ca-${n}-${f}`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key.pem'), '-out', p('cert.pem'), '-days', '2', '-subj', subject], { stdio: 'pipe' });
  return { cert: p('cert.pem'), key: p('key.pem') };
}
