import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { attributeNames as A, spanNames } from '../../../src/telemetry/names.js';
import { withSpan } from '../../../src/telemetry/tracing.js';

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  before(() => provider.register());
  beforeEach(() => exporter.reset());
  after(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('records a span with its name and attributes and returns what the function returns', async () => {
    const out = await withSpan(spanNames.job, { [A.jobKind]: 'live', [A.jobId]: 'live:1:2' }, async () => 42);
    assert.equal(out, 42);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, 'cpd.job');
    assert.deepEqual(span?.attributes, { 'cpd.job.kind': 'live', 'cpd.job.id': 'live:1:2' });
    assert.equal(span?.status.code, SpanStatusCode.UNSET);
  });

  it('makes spans started inside it its children', async () => {
    await withSpan(spanNames.job, {}, () => withSpan(spanNames.processRange, {}, async () => undefined));
    const spans = exporter.getFinishedSpans();
    const job = spans.find((s) => s.name === spanNames.job);
    const range = spans.find((s) => s.name === spanNames.processRange);
    assert.ok(job !== undefined && range !== undefined, `both spans are recorded, got ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(range.parentSpanContext?.spanId, job.spanContext().spanId);
    assert.equal(range.spanContext().traceId, job.spanContext().traceId);
  });

  it('marks the span as an error with the exception and rethrows', async () => {
    await assert.rejects(withSpan(spanNames.writeFindings, {}, async () => Promise.reject(new Error('bulk rejected'))), /bulk rejected/);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.status.message, 'bulk rejected');
    assert.equal(span?.events[0]?.name, 'exception');
  });
});
