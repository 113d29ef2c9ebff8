import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { emptyStats } from '../../../src/aggregate/processor.js';
import { configSchema, type Config } from '../../../src/config/schema.js';
import { startTelemetry } from '../../../src/telemetry/bootstrap.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';
import { spanNames } from '../../../src/telemetry/names.js';
import { withSpan } from '../../../src/telemetry/tracing.js';

const otelVars = Object.keys(process.env).filter((k) => k.startsWith('OTEL_'));
const saved = Object.fromEntries(otelVars.map((k) => [k, process.env[k]]));

/** Replaces every OTEL_* variable with `vars` for one test. */
function setEnv(vars: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  Object.assign(process.env, vars);
}

afterEach(() => setEnv(saved as Record<string, string>));

function telemetryConfig(section: Partial<Config['telemetry']> = {}): Config['telemetry'] {
  return { ...configSchema.parse({}).telemetry, shutdownTimeoutMs: 3_000, ...section };
}

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** An OTLP/HTTP receiver that keeps every request. */
async function otlpReceiver() {
  const received: { path: string; contentType: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('latin1') });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
      res.end(req.headers['content-type'] === 'application/json' ? '{}' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function recordSomething(): Promise<void> {
  createMetrics().recordRange('live', { ...emptyStats(), scanned: 7, matched: 1 });
  await withSpan(spanNames.job, { 'cpd.job.kind': 'live' }, async () => undefined);
}

describe('startTelemetry', () => {
  it('starts nothing and returns a no-op when no OTEL variable or Prometheus port asks for telemetry', async () => {
    setEnv({});
    const { logger, warnings } = capturingLogger();
    const telemetry = await startTelemetry(telemetryConfig(), logger);
    assert.deepEqual(telemetry.exporters, []);
    assert.equal(trace.getTracer('x').startSpan('s').isRecording(), false);
    await telemetry.shutdown();
    assert.deepEqual(warnings(), []);
  });

  it('starts nothing with OTEL_SDK_DISABLED=true and says the Prometheus port is ignored', async () => {
    setEnv({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    const { logger, warnings } = capturingLogger();
    const telemetry = await startTelemetry(telemetryConfig({ prometheusPort: 0 }), logger);
    assert.deepEqual(telemetry.exporters, []);
    assert.equal(telemetry.prometheusPort, undefined);
    assert.match(warnings().join('\n'), /OTEL_SDK_DISABLED=true, so telemetry.prometheusPort is ignored/);
    await telemetry.shutdown();
  });

  it('exports spans and metrics as OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT and flushes them at shutdown', async () => {
    const receiver = await otlpReceiver();
    try {
      setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const { logger, warnings } = capturingLogger();
      const telemetry = await startTelemetry(telemetryConfig(), logger);
      assert.deepEqual(telemetry.exporters, ['traces:otlp', 'metrics:otlp']);
      await recordSomething();
      await telemetry.shutdown();
      const traces = receiver.received.find((r) => r.path === '/v1/traces');
      const metrics = receiver.received.find((r) => r.path === '/v1/metrics');
      assert.equal(traces?.contentType, 'application/x-protobuf');
      assert.ok(traces?.body.includes('cpd.job'), 'the span name is in the trace export');
      assert.equal(metrics?.contentType, 'application/x-protobuf');
      assert.ok(metrics?.body.includes('cpd.events.scanned'), 'the counter is in the metrics export');
      assert.ok(metrics?.body.includes('curl-proxy-detector'), 'the default service name is on the resource');
      assert.deepEqual(warnings(), []);
    } finally {
      await receiver.close();
    }
  });

  it('exports OTLP JSON when asked, with the service name from OTEL_SERVICE_NAME', async () => {
    const receiver = await otlpReceiver();
    try {
      setEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/custom/metrics`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'cpd-test' });
      const { logger } = capturingLogger();
      const telemetry = await startTelemetry(telemetryConfig(), logger);
      assert.deepEqual(telemetry.exporters, ['metrics:otlp']);
      await recordSomething();
      await telemetry.shutdown();
      const [metrics] = receiver.received;
      assert.equal(metrics?.path, '/custom/metrics');
      assert.equal(metrics?.contentType, 'application/json');
      const body = JSON.parse(metrics?.body ?? '{}') as { resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeMetrics: { metrics: { name: string }[] }[] }[] };
      const rm = body.resourceMetrics[0];
      assert.equal(rm?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue, 'cpd-test');
      assert.ok(rm?.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)).includes('cpd.events.scanned'));
    } finally {
      await receiver.close();
    }
  });

  it('does not throw with an unreachable endpoint, and its shutdown returns within the timeout with a warning', async () => {
    // A short export timeout keeps the exporter's retries from outliving the test by 10 s.
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, OTEL_EXPORTER_OTLP_TIMEOUT: '1500' });
    const { logger, warnings } = capturingLogger();
    const telemetry = await startTelemetry(telemetryConfig({ shutdownTimeoutMs: 2_000 }), logger);
    await recordSomething();
    const started = Date.now();
    await telemetry.shutdown();
    assert.ok(Date.now() - started < 4_000, `shutdown took ${Date.now() - started} ms`);
    assert.ok(warnings().some((w) => w.startsWith('telemetry:')), `expected a telemetry warning, got ${JSON.stringify(warnings())}`);
    await telemetry.shutdown();
  });

  it('does not throw with invalid OTEL values: it warns and starts what it still can', async () => {
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_METRIC_EXPORT_INTERVAL: 'soon', OTEL_RESOURCE_ATTRIBUTES: 'not-a-pair' });
    const { logger, warnings } = capturingLogger();
    const telemetry = await startTelemetry(telemetryConfig({ prometheusPort: 0 }), logger);
    assert.deepEqual(telemetry.exporters, ['metrics:prometheus']);
    const w = warnings().join('\n');
    assert.match(w, /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL/);
    assert.match(w, /OTEL_METRIC_EXPORT_INTERVAL/);
    await recordSomething();
    await telemetry.shutdown();
  });
});

describe('startTelemetry with telemetry.prometheusPort', () => {
  it('serves the recorded metrics as Prometheus text at /metrics on that port', async () => {
    setEnv({});
    const port = await closedPort();
    const { logger } = capturingLogger();
    const telemetry = await startTelemetry(telemetryConfig({ prometheusPort: port }), logger);
    try {
      assert.deepEqual(telemetry.exporters, ['metrics:prometheus']);
      assert.equal(telemetry.prometheusPort, port);
      await recordSomething();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^cpd_events_scanned(_total)?\{[^}]*cpd_job_kind="live"[^}]*\} 7$/m);
      assert.match(text, /cpd_events_matched/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      await telemetry.shutdown();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'the endpoint is closed after shutdown');
  });

  it('picks a free port when prometheusPort is 0 and reports it', async () => {
    setEnv({});
    const telemetry = await startTelemetry(telemetryConfig({ prometheusPort: 0 }), capturingLogger().logger);
    try {
      assert.ok((telemetry.prometheusPort ?? 0) > 0);
      assert.equal((await fetch(`http://127.0.0.1:${telemetry.prometheusPort}/metrics`)).status, 200);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('keeps OTLP export and the worker going when the Prometheus port is taken', async () => {
    const receiver = await otlpReceiver();
    const busy = createNetServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const { logger, warnings } = capturingLogger();
      const telemetry = await startTelemetry(telemetryConfig({ prometheusPort: (busy.address() as AddressInfo).port }), logger);
      assert.deepEqual(telemetry.exporters, ['traces:otlp', 'metrics:otlp']);
      assert.match(warnings().join('\n'), /cannot serve Prometheus metrics on 127\.0\.0\.1:\d+/);
      await recordSomething();
      await telemetry.shutdown();
      assert.ok(receiver.received.some((r) => r.path === '/v1/metrics'));
    } finally {
      await new Promise((r) => busy.close(r));
      await receiver.close();
    }
  });
});
