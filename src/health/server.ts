import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';

/** A named readiness check: resolves when fine, rejects with what is wrong. */
export type ReadinessCheck = () => Promise<void>;

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  port: number;
  host: string;
  /** Checks of /readyz by name, reported in this order, e.g. { elasticsearch, redis, cursor }. */
  checks: Readonly<Record<string, ReadinessCheck>>;
  logger: Logger;
  /** A check still running after this long fails with "timed out" (default 2000). */
  checkTimeoutMs?: number;
}

/** The running health endpoints. */
export interface HealthServer {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

/** One check's result in the /readyz body. */
export type CheckResult = { status: 'ok' } | { status: 'fail'; error: string };

/** The /readyz body. */
export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  /** Names of the failing checks (empty when ready). */
  failing: string[];
  checks: Record<string, CheckResult>;
}

/**
 * Serves the probes of Docker and Kubernetes: `GET /healthz` answers 200 while the process
 * runs (liveness); `GET /readyz` answers 200 when every check passes, else 503 naming each
 * failing check (readiness). Anything else is 404. Rejects when it cannot listen (a port in use).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { logger } = options;
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  let inFlight: Promise<ReadinessReport> | undefined;
  let lastFailing: string | undefined;

  // Concurrent probes share one evaluation, so a burst of requests costs one round of checks.
  const evaluate = (): Promise<ReadinessReport> =>
    (inFlight ??= runChecks(options.checks, timeoutMs)
      .then((report) => {
        const failing = report.failing.join(', ');
        if (failing !== lastFailing) {
          if (failing !== '') logger.warn({ event: { action: 'not-ready' }, readiness: report }, `not ready: ${failing} failing`);
          else if (lastFailing !== undefined) logger.info({ event: { action: 'ready' } }, 'ready again');
          lastFailing = failing;
        }
        return report;
      })
      .finally(() => {
        inFlight = undefined;
      }));

  const server = createServer((req, res) => {
    void handle(req, res, evaluate).catch((err: unknown) => {
      logger.warn({ err, event: { action: 'health-request-failed' } }, 'health endpoint failed to answer');
      if (!res.headersSent) send(res, req, 500, { status: 'error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new ConfigError([`health.port: expected a port free to listen on at ${options.host}, got ${options.port} (${err.code ?? err.message})`]));
    };
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      server.on('error', (err) => logger.warn({ err, event: { action: 'health-server-error' } }, 'health server error'));
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ event: { action: 'health-started' }, health: { host: options.host, port } }, `health endpoints on http://${options.host}:${port}/healthz and /readyz`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, evaluate: () => Promise<ReadinessReport>): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/readyz') return send(res, req, 404, { status: 'not_found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, req, 405, { status: 'method_not_allowed' });
  }
  if (path === '/healthz') return send(res, req, 200, { status: 'ok' });
  const report = await evaluate();
  send(res, req, report.status === 'ok' ? 200 : 503, report);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runChecks(checks: Readonly<Record<string, ReadinessCheck>>, timeoutMs: number): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runOne(checks[name] as ReadinessCheck, timeoutMs)));
  const report: ReadinessReport = { status: 'ok', failing: [], checks: {} };
  names.forEach((name, i) => {
    const r = results[i] as CheckResult;
    report.checks[name] = r;
    if (r.status === 'fail') report.failing.push(name);
  });
  if (report.failing.length > 0) report.status = 'unavailable';
  return report;
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(check), timeout]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'fail', error: publicMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The error as the unauthenticated endpoint may show it: one line, at most 200 characters,
 * and any user:password@ of a URL masked, in case a client put the URL in its message.
 */
export function publicMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  const line = raw.replace(/\s+/g, ' ').trim().replace(/\/\/[^/@\s]*@/g, '//***@');
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
