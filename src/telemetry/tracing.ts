import { SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { instrumentationName, type SpanName } from './names.js';

/**
 * The tracer of this service. The trace API hands out a proxy, so taking it at import time is
 * fine: it starts recording once `startTelemetry` has registered the SDK (and never otherwise).
 */
export function tracer(): Tracer {
  return trace.getTracer(instrumentationName);
}

/**
 * Runs `fn` inside an active span named from `spanNames`: spans started inside become its
 * children; a throw records the exception, marks the span as an error and is rethrown.
 */
export function withSpan<T>(name: SpanName, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
