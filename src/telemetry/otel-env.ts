import type { Config } from '../config/schema.js';

/**
 * Reads the standard OpenTelemetry environment variables (plus the `telemetry` config section)
 * into a plan of what the bootstrap starts. Pure: no SDK, no I/O, so every rule is unit-tested.
 * The OTLP exporters themselves read the remaining standard variables (headers, timeout,
 * compression, certificates, temporality) when they are created.
 */

/** OTLP wire format over HTTP. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** One signal's OTLP export, or undefined when off. */
export interface OtlpPlan {
  protocol: OtlpProtocol;
  /** The variable that asked for it, for the start-up log (never its value: it may hold a token). */
  reason: string;
}

/** What `startTelemetry` starts. */
export interface TelemetryPlan {
  /** OTEL_SDK_DISABLED=true: nothing starts, whatever else is set. */
  disabled: boolean;
  serviceName: string;
  traces: OtlpPlan | undefined;
  metrics: OtlpPlan | undefined;
  prometheus: { host: string; port: number } | undefined;
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  /** Problems found in the environment; each one turned a feature off or fell back to a default. */
  warnings: string[];
}

/** Service name unless OTEL_SERVICE_NAME says otherwise. */
export const defaultServiceName = 'curl-proxy-detector';
/** Port of the Prometheus endpoint asked for through OTEL_METRICS_EXPORTER=prometheus alone. */
export const defaultPrometheusPort = 9464;

type Signal = 'traces' | 'metrics';

/** Builds the plan from the environment and the `telemetry` config section. */
export function planTelemetry(env: NodeJS.ProcessEnv, config: Config['telemetry']): TelemetryPlan {
  const warnings: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const serviceName = get('OTEL_SERVICE_NAME') ?? defaultServiceName;
  const disabled = get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const interval = positiveInt(get, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, warnings);
  // The SDK refuses a timeout longer than the interval; cap it instead of failing.
  const timeout = Math.min(positiveInt(get, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000, warnings), interval);
  const plan: TelemetryPlan = {
    disabled,
    serviceName,
    traces: undefined,
    metrics: undefined,
    prometheus: undefined,
    metricExportIntervalMs: interval,
    metricExportTimeoutMs: timeout,
    warnings,
  };
  if (disabled) return plan;

  const traceExporters = exporterList(get, 'OTEL_TRACES_EXPORTER', ['otlp', 'none'], warnings);
  const metricExporters = exporterList(get, 'OTEL_METRICS_EXPORTER', ['otlp', 'prometheus', 'none'], warnings);
  plan.traces = otlpPlan(get, 'traces', traceExporters, warnings);
  plan.metrics = otlpPlan(get, 'metrics', metricExporters, warnings);

  if (config.prometheusPort !== undefined) {
    plan.prometheus = { host: config.prometheusHost, port: config.prometheusPort };
  } else if (metricExporters?.includes('prometheus') === true) {
    const port = get('OTEL_EXPORTER_PROMETHEUS_PORT');
    const n = port === undefined ? defaultPrometheusPort : Number(port);
    if (Number.isInteger(n) && n >= 0 && n <= 65_535) plan.prometheus = { host: get('OTEL_EXPORTER_PROMETHEUS_HOST') ?? config.prometheusHost, port: n };
    else warnings.push(`OTEL_EXPORTER_PROMETHEUS_PORT: expected a port number, got "${port}"; the Prometheus endpoint stays off`);
  }
  return plan;
}

/** The comma-separated exporter list, or undefined when the variable is not set. */
function exporterList(get: (n: string) => string | undefined, name: string, known: readonly string[], warnings: string[]): string[] | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const v of list) if (!known.includes(v)) warnings.push(`${name}: "${v}" is not supported here (expected ${known.join(', ')}); ignored`);
  return list;
}

function otlpPlan(get: (n: string) => string | undefined, signal: Signal, exporters: string[] | undefined, warnings: string[]): OtlpPlan | undefined {
  const upper = signal.toUpperCase();
  const exporterVar = `OTEL_${upper}_EXPORTER`;
  if (exporters?.includes('none') === true || (exporters !== undefined && !exporters.includes('otlp'))) return undefined;
  const specificVar = `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`;
  const endpointVar = get(specificVar) !== undefined ? specificVar : get('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : undefined;
  // Without an endpoint, only an explicit OTEL_*_EXPORTER=otlp asks for export (to the default localhost:4318).
  if (endpointVar === undefined && exporters === undefined) return undefined;
  if (endpointVar !== undefined && !isHttpUrl(get(endpointVar))) {
    warnings.push(`${endpointVar}: expected an http:// or https:// URL; ${signal} are not exported`);
    return undefined;
  }
  const protocolVar = get(`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`) !== undefined ? `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const rawProtocol = get(protocolVar)?.toLowerCase() ?? 'http/protobuf';
  let protocol: OtlpProtocol = 'http/protobuf';
  if (rawProtocol === 'http/json') protocol = 'http/json';
  else if (rawProtocol !== 'http/protobuf') {
    warnings.push(`${protocolVar}: "${rawProtocol}" is not supported (expected http/protobuf or http/json); using http/protobuf, so point the endpoint at the collector's OTLP/HTTP port (usually 4318)`);
  }
  return { protocol, reason: endpointVar ?? exporterVar };
}

function isHttpUrl(value: string | undefined): boolean {
  if (value === undefined) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function positiveInt(get: (n: string) => string | undefined, name: string, fallback: number, warnings: string[]): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  warnings.push(`${name}: expected a positive number of milliseconds, got "${raw}"; using ${fallback}`);
  return fallback;
}
