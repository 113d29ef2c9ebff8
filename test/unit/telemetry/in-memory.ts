import { MeterProvider, MetricReader, type DataPoint, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';

/** A reader that collects on demand, for tests that look at what a collection produces. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One collected data point, flattened for assertions. */
export interface Point {
  name: string;
  unit: string;
  type: string;
  attributes: Record<string, unknown>;
  value: number | Histogram;
}

/** A MeterProvider with a manual reader; `collect()` returns every data point by metric. */
export function inMemoryMeter() {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    provider,
    async collect(): Promise<Point[]> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`collection errors: ${errors.map(String).join('; ')}`);
      const metrics: MetricData[] = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      return metrics.flatMap((m) =>
        (m.dataPoints as DataPoint<number | Histogram>[]).map((p) => ({
          name: m.descriptor.name,
          unit: m.descriptor.unit,
          type: String(m.dataPointType),
          attributes: { ...p.attributes },
          value: p.value,
        })),
      );
    },
  };
}

/** The points of one metric, sorted by their attributes (stable assertions). */
export function pointsOf(points: readonly Point[], name: string): Point[] {
  return points.filter((p) => p.name === name).sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}
