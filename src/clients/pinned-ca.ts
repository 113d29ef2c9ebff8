import { createHash, X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls';

/** What undici passes to a connector (`buildConnector.Options`, the fields read here). */
export interface ConnectTarget {
  hostname: string;
  protocol: string;
  port: string;
  servername?: string;
}

/** undici's connector contract: a connected (TLS) socket, or an error. */
export type Connector = (target: ConnectTarget, callback: (...args: [null, Socket] | [Error, null]) => void) => void;

/**
 * An undici connector that trusts exactly one CA: the certificate whose SHA-256 fingerprint is
 * `fingerprint`. The first connection reads the server's chain only to find that certificate by
 * its hash (nothing else in the chain is trusted); every connection then runs OpenSSL's full
 * verification with it as the only trust anchor: signatures up to the pinned CA, validity,
 * CA constraints and the host name. A forged leaf with the real CA appended fails there, which
 * comparing the fingerprint with the top of an unverified chain cannot notice.
 */
export function pinnedCaConnector(fingerprint: string, connectTimeoutMs: number): Connector {
  const pin = fingerprint.replace(/:/g, '').toLowerCase();
  let anchor: Promise<string> | undefined;
  const pinnedPem = (target: ConnectTarget): Promise<string> => {
    // One probe at a time; a failed probe (server down) is forgotten so the next connect asks again.
    anchor ??= findPinnedCertificate(target, pin, connectTimeoutMs).catch((err: unknown) => {
      anchor = undefined;
      throw err;
    });
    return anchor;
  };
  return (target, callback) => {
    if (target.protocol !== 'https:') {
      callback(new Error(`elasticsearch.caFingerprint: expected an https:// URL to pin, got ${target.protocol}//`), null);
      return;
    }
    pinnedPem(target).then(
      (ca) => {
        // allowPartialTrustChain: the pinned certificate is the anchor even when it is an
        // intermediate (Node >= 20.18; older versions refuse such a pin, they never trust more).
        const socket = openTls(target, { ca: [ca], rejectUnauthorized: true, allowPartialTrustChain: true }, connectTimeoutMs);
        settle(socket, () => callback(null, socket), (err) => callback(err, null));
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}

/** Connects without trusting anything, finds the pinned certificate in the presented chain and hangs up. */
function findPinnedCertificate(target: ConnectTarget, pin: string, connectTimeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Nothing is sent on this connection: it only reads the certificates the server presents.
    const socket = openTls(target, { rejectUnauthorized: false }, connectTimeoutMs);
    settle(
      socket,
      () => {
        const chain = presentedChain(socket);
        socket.destroy();
        const pinned = chain.find((raw) => createHash('sha256').update(raw).digest('hex') === pin);
        if (pinned !== undefined) resolve(new X509Certificate(pinned).toString());
        // The transport turns any connect error into a ConnectionError with this message, which
        // toServiceError reads as a certificate problem: not retried, the operator must act.
        else reject(new Error(`server certificate CA fingerprint: none of the ${chain.length} certificate(s) the server presented has the SHA-256 fingerprint configured in elasticsearch.caFingerprint`));
      },
      reject,
    );
  });
}

/** The DER of every certificate in the peer's chain, leaf first, each once. */
export function presentedChain(socket: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | PeerCertificate | undefined = socket.getPeerCertificate(true);
  // A self-signed root is its own issuer (a cycle): stop at the first certificate seen twice.
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = 'issuerCertificate' in cert ? (cert.issuerCertificate as DetailedPeerCertificate | undefined) : undefined;
  }
  return out;
}

function openTls(target: ConnectTarget, options: ConnectionOptions, connectTimeoutMs: number): TLSSocket {
  const servername = target.servername ?? (isIP(target.hostname) === 0 ? target.hostname : undefined);
  const socket = tlsConnect({ ...options, host: target.hostname, port: Number(target.port === '' ? 443 : target.port), ...(servername !== undefined ? { servername } : {}) });
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  socket.setTimeout(connectTimeoutMs, () => socket.destroy(new Error(`connect timeout: no TLS handshake with ${target.hostname}:${target.port} within ${connectTimeoutMs} ms`)));
  return socket;
}

/** Calls `ok` once the handshake succeeded or `fail` on the first error, never both. */
function settle(socket: TLSSocket, ok: () => void, fail: (err: Error) => void): void {
  const onError = (err: Error): void => {
    socket.setTimeout(0);
    socket.destroy();
    fail(err);
  };
  socket.once('error', onError);
  socket.once('secureConnect', () => {
    socket.removeListener('error', onError);
    socket.setTimeout(0);
    ok();
  });
}
