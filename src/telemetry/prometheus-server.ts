import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running scrape endpoint. */
export interface ScrapeServer {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `handler` at GET /metrics on host:port, 404 elsewhere. Our own server rather than the
 * exporter's: it can bind port 0, and a port in use rejects here instead of surfacing later.
 */
export function serveMetrics(host: string, port: number, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<ScrapeServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      handler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      // Later socket errors must not become an unhandled 'error' event (a crash).
      server.on('error', () => undefined);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
