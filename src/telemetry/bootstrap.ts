import { hostname } from 'node:os';
import { context, diag, DiagLogLevel, metrics, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, hostDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config/schema.js';
import type { Logger } from './logger.js';
import { planTelemetry } from './otel-env.js';
import { serveMetrics, type ScrapeServer } from './prometheus-server.js';

/**
 * The one file that starts the OpenTelemetry SDK. Everything else uses @opentelemetry/api
 * only, which stays a no-op when nothing is started here. A failure here is logged at WARN
 * and telemetry degrades to that no-op: it never stops the worker.
 */

/** The started telemetry; `shutdown()` flushes and never throws. */
export interface Telemetry {
  /** What was started, e.g. ['traces:otlp', 'metrics:otlp', 'metrics:prometheus']; empty for the no-op. */
  readonly exporters: readonly string[];
  /** Bound port of the Prometheus endpoint when it runs (useful with `prometheusPort: 0`). */
  readonly prometheusPort: number | undefined;
  /** Flushes pending spans and metrics (at most `telemetry.shutdownTimeoutMs`) and stops the SDK. */
  shutdown(): Promise<void>;
}

const noop: Telemetry = { exporters: [], prometheusPort: undefined, shutdown: async () => undefined };

/**
 * Starts the SDK as the standard OTEL_* environment and the `telemetry` config ask: OTLP/HTTP
 * traces and metrics, a Prometheus scrape endpoint, or nothing. Call it before `createMetrics()`
 * (the metrics API has no proxy: meters taken earlier stay no-ops). Never throws.
 */
export async function startTelemetry(config: Config['telemetry'], logger: Logger): Promise<Telemetry> {
  const stops: Stop[] = [];
  try {
    const plan = planTelemetry(process.env, config);
    for (const w of plan.warnings) logger.warn({ event: { action: 'telemetry-config' } }, `telemetry: ${w}`);
    if (plan.disabled) {
      if (config.prometheusPort !== undefined) logger.warn({ event: { action: 'telemetry-config' } }, 'telemetry: OTEL_SDK_DISABLED=true, so telemetry.prometheusPort is ignored');
      return noop;
    }
    if (plan.traces === undefined && plan.metrics === undefined && plan.prometheus === undefined) return noop;

    diag.setLogger(throttledDiagLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    stops.push({ release: () => diag.disable() });
    const resource = buildResource(plan.serviceName);
    // host.id is read asynchronously; exporters that read the resource before it settles complain.
    if (resource.asyncAttributesPending === true) await resource.waitForAsyncAttributes?.();
    const exporters: string[] = [];

    if (plan.traces !== undefined) {
      const exporter = plan.traces.protocol === 'http/json' ? new OtlpJsonTraceExporter() : new OtlpProtoTraceExporter();
      const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
      provider.register();
      stops.push({
        flush: () => provider.shutdown(),
        release: () => {
          trace.disable();
          propagation.disable();
          context.disable();
        },
      });
      exporters.push('traces:otlp');
    }

    const readers: IMetricReader[] = [];
    if (plan.metrics !== undefined) {
      const exporter = plan.metrics.protocol === 'http/json' ? new OtlpJsonMetricExporter() : new OtlpProtoMetricExporter();
      readers.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: plan.metricExportIntervalMs, exportTimeoutMillis: plan.metricExportTimeoutMs }));
      exporters.push('metrics:otlp');
    }
    let scrape: ScrapeServer | undefined;
    if (plan.prometheus !== undefined) {
      const { host, port } = plan.prometheus;
      const prometheus = new PrometheusExporter({ preventServerStart: true });
      try {
        scrape = await serveMetrics(host, port, (req, res) => prometheus.getMetricsRequestHandler(req, res));
        const server = scrape;
        stops.push({ flush: () => server.close() });
        readers.push(prometheus);
        exporters.push('metrics:prometheus');
      } catch (err) {
        // Only the scrape endpoint is lost; OTLP export (if any) still starts.
        logger.warn({ err, event: { action: 'telemetry-failed' } }, `telemetry: cannot serve Prometheus metrics on ${host}:${port}; the endpoint stays off`);
      }
    }
    if (readers.length > 0) {
      const provider = new MeterProvider({ resource, readers });
      if (!metrics.setGlobalMeterProvider(provider)) throw new Error('a global MeterProvider is already registered');
      stops.push({ flush: () => provider.shutdown(), release: () => metrics.disable() });
    }

    const started: Telemetry = {
      exporters,
      prometheusPort: scrape?.port,
      shutdown: once(() => stopAll(stops, config.shutdownTimeoutMs, logger)),
    };
    logger.info(
      { event: { action: 'telemetry-started' }, telemetry: { exporters, service: plan.serviceName, traces: plan.traces?.reason, metrics: plan.metrics?.reason, prometheusPort: scrape?.port } },
      `telemetry started: ${exporters.join(', ') || 'nothing to export'}`,
    );
    return started;
  } catch (err) {
    logger.warn({ err, event: { action: 'telemetry-failed' } }, 'telemetry could not start; the worker runs without it');
    await stopAll(stops, config.shutdownTimeoutMs, logger);
    return noop;
  }
}

/** Service name and instance (host-pid: one series per worker process), host, and OTEL_RESOURCE_ATTRIBUTES. */
function buildResource(serviceName: string): Resource {
  const ours = resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': `${hostname()}-${process.pid}` });
  // In `a.merge(b)` the attributes of b win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override ours.
  return defaultResource().merge(ours).merge(detectResources({ detectors: [hostDetector, envDetector] }));
}

/** How to stop one started part: `flush` may take time, `release` (unregistering globals) may not. */
interface Stop {
  flush?: () => Promise<void>;
  release?: () => void;
}

/**
 * Flushes the started parts (in parallel: traces and metrics do not depend on each other),
 * all within `timeoutMs`, then always unregisters the globals in reverse order of start, so
 * the API is a clean no-op again. Logs instead of throwing.
 */
async function stopAll(stops: Stop[], timeoutMs: number, logger: Logger): Promise<void> {
  const reversed = [...stops].reverse();
  stops.length = 0;
  const all = Promise.all(
    reversed.map(async (stop) => {
      try {
        await stop.flush?.();
      } catch (err) {
        logger.warn({ err, event: { action: 'telemetry-shutdown' } }, 'telemetry: error while flushing at shutdown; some spans or metrics may be lost');
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
    timer.unref();
  });
  if ((await Promise.race([all.then(() => 'done' as const), timeout])) === 'timeout') {
    logger.warn({ event: { action: 'telemetry-shutdown' } }, `telemetry: flushing took longer than ${timeoutMs} ms; the rest is dropped`);
  }
  clearTimeout(timer);
  for (const stop of reversed) stop.release?.();
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/**
 * Routes the SDK's own diagnostics (export failures, bad env values) to our logger at WARN:
 * lost telemetry is recovered-from, never data loss. The same message is logged at most once
 * a minute, so an unreachable collector does not flood the logs.
 */
function throttledDiagLogger(logger: Logger, windowMs = 60_000): DiagLogger {
  const lastAt = new Map<string, number>();
  const warn = (raw: unknown, ...args: unknown[]) => {
    const message = diagText(raw);
    const key = message.slice(0, 120);
    const now = Date.now();
    if (now - (lastAt.get(key) ?? -Infinity) < windowMs) return;
    if (lastAt.size > 200) lastAt.clear();
    lastAt.set(key, now);
    const detail = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a))).join(' ');
    logger.warn({ event: { action: 'telemetry-diagnostic' } }, `telemetry: ${message}${detail === '' ? '' : ` ${detail}`}`);
  };
  const ignore = () => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}

/** The SDK's error handler passes exceptions as JSON text (`{"stack":..,"message":..}`): keep the message. */
function diagText(raw: unknown): string {
  if (raw instanceof Error) return raw.message;
  if (typeof raw !== 'string') return safeJson(raw);
  if (raw.startsWith('{')) {
    try {
      const parsed = JSON.parse(raw) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON after all: use the text as it is
    }
  }
  return raw;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
