/** CloudWatch metric units this writer uses (a subset of the units CloudWatch accepts). */
export type EmfUnit = 'Count' | 'Milliseconds' | 'None';

export interface EmfMetric {
  name: string;
  unit: EmfUnit;
  value: number;
}

export interface EmfDocumentInput {
  namespace: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Dimension name -> value; one dimension set of all of them (none: the metrics have no dimensions). */
  dimensions: Record<string, string>;
  metrics: EmfMetric[];
}

// Limits from the specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const MAX_DIMENSION_VALUE = 1024;

/**
 * One Embedded Metric Format document: the `_aws` metadata (Timestamp, one MetricDirective naming the
 * Namespace, the dimension set and each metric's Name and Unit) and, at the root, the dimension values and
 * metric values it refers to. Non-finite values are dropped; dimension values are cut to the 1,024-character limit.
 */
export function emfDocument({ namespace, timestamp, dimensions, metrics }: EmfDocumentInput): Record<string, unknown> {
  const kept = metrics.filter((m) => Number.isFinite(m.value)).slice(0, MAX_METRICS);
  const dims = Object.entries(dimensions).slice(0, MAX_DIMENSIONS).map(([k, v]) => [k, v.slice(0, MAX_DIMENSION_VALUE) || 'unknown'] as const);
  return {
    _aws: {
      Timestamp: Math.round(timestamp),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dims.map(([k]) => k)], Metrics: kept.map((m) => ({ Name: m.name, Unit: m.unit })) }],
    },
    ...Object.fromEntries(dims),
    ...Object.fromEntries(kept.map((m) => [m.name, m.value])),
  };
}
