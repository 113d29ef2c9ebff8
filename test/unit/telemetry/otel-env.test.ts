import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema.js';
import { planTelemetry } from '../../../src/telemetry/otel-env.js';

const defaults = configSchema.parse({}).telemetry;

describe('planTelemetry reads the standard OTEL_* environment', () => {
  it('starts nothing when nothing asks for telemetry', () => {
    const plan = planTelemetry({}, defaults);
    assert.equal(plan.traces, undefined);
    assert.equal(plan.metrics, undefined);
    assert.equal(plan.prometheus, undefined);
    assert.equal(plan.serviceName, 'curl-proxy-detector');
    assert.deepEqual(plan.warnings, []);
  });

  const cases: { name: string; env: NodeJS.ProcessEnv; traces?: string; metrics?: string; protocol?: string }[] = [
    { name: 'exports both signals over OTLP/HTTP protobuf when OTEL_EXPORTER_OTLP_ENDPOINT is set', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, traces: 'OTEL_EXPORTER_OTLP_ENDPOINT', metrics: 'OTEL_EXPORTER_OTLP_ENDPOINT', protocol: 'http/protobuf' },
    { name: 'exports only traces when only the traces endpoint is set', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://apm:8200/v1/traces' }, traces: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' },
    { name: 'exports only metrics when only the metrics endpoint is set', env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics' }, metrics: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' },
    { name: 'turns traces off with OTEL_TRACES_EXPORTER=none', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, metrics: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
    { name: 'turns metrics off with OTEL_METRICS_EXPORTER=none', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_METRICS_EXPORTER: 'none' }, traces: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
    { name: 'exports to the default endpoint when OTEL_TRACES_EXPORTER=otlp is explicit', env: { OTEL_TRACES_EXPORTER: 'otlp' }, traces: 'OTEL_TRACES_EXPORTER' },
    { name: 'uses http/json when OTEL_EXPORTER_OTLP_PROTOCOL says so', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, traces: 'OTEL_EXPORTER_OTLP_ENDPOINT', metrics: 'OTEL_EXPORTER_OTLP_ENDPOINT', protocol: 'http/json' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planTelemetry(c.env, defaults);
      assert.equal(plan.traces?.reason, c.traces);
      assert.equal(plan.metrics?.reason, c.metrics);
      if (c.protocol !== undefined) assert.equal((plan.traces ?? plan.metrics)?.protocol, c.protocol);
      assert.deepEqual(plan.warnings, []);
    });
  }

  it('starts nothing at all with OTEL_SDK_DISABLED=true, not even a configured Prometheus endpoint', () => {
    const plan = planTelemetry({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { ...defaults, prometheusPort: 9464 });
    assert.equal(plan.disabled, true);
    assert.equal(plan.traces, undefined);
    assert.equal(plan.prometheus, undefined);
  });

  it('takes the service name from OTEL_SERVICE_NAME', () => {
    assert.equal(planTelemetry({ OTEL_SERVICE_NAME: 'cpd-eu' }, defaults).serviceName, 'cpd-eu');
  });

  it('serves Prometheus on the configured host and port', () => {
    assert.deepEqual(planTelemetry({}, { ...defaults, prometheusPort: 9470 }).prometheus, { host: '127.0.0.1', port: 9470 });
  });

  it('serves Prometheus on OTEL_EXPORTER_PROMETHEUS_PORT (default 9464) with OTEL_METRICS_EXPORTER=prometheus', () => {
    assert.deepEqual(planTelemetry({ OTEL_METRICS_EXPORTER: 'prometheus' }, defaults).prometheus, { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(planTelemetry({ OTEL_METRICS_EXPORTER: 'otlp,prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '9999', OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }, defaults).prometheus, {
      host: '0.0.0.0',
      port: 9999,
    });
  });

  it('warns and turns the signal off when the endpoint is not an http(s) URL, instead of sending to localhost', () => {
    const plan = planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, defaults);
    assert.equal(plan.traces, undefined);
    assert.equal(plan.metrics, undefined);
    assert.equal(plan.warnings.length, 2);
    assert.match(plan.warnings[0] ?? '', /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL/);
  });

  it('warns about grpc and falls back to http/protobuf', () => {
    const plan = planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, defaults);
    assert.equal(plan.traces?.protocol, 'http/protobuf');
    assert.equal(plan.metrics?.protocol, 'http/protobuf');
    assert.equal(plan.warnings.length, 1);
    assert.match(plan.warnings[0] ?? '', /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" is not supported/);
  });

  it('warns about unknown exporters and bad intervals and keeps the defaults', () => {
    const plan = planTelemetry({ OTEL_TRACES_EXPORTER: 'zipkin', OTEL_METRIC_EXPORT_INTERVAL: 'soon', OTEL_METRIC_EXPORT_TIMEOUT: '-5' }, defaults);
    assert.equal(plan.traces, undefined);
    assert.equal(plan.metricExportIntervalMs, 60_000);
    assert.equal(plan.metricExportTimeoutMs, 30_000);
    assert.equal(plan.warnings.length, 3);
  });

  it('caps the export timeout at the export interval (the SDK refuses a longer one)', () => {
    const plan = planTelemetry({ OTEL_METRIC_EXPORT_INTERVAL: '1000' }, defaults);
    assert.equal(plan.metricExportIntervalMs, 1_000);
    assert.equal(plan.metricExportTimeoutMs, 1_000);
  });
});
