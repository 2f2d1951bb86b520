import { emfDocument, type EmfMetric } from './cloudwatch-emf.js';
import type { AnswerEvent, MetricsSink } from './metrics-sink.js';

export interface CloudWatchEmfSinkOptions {
  /** Where the JSON lines go: stdout for the CloudWatch agent, Lambda or ECS awslogs to pick up. */
  stream: { write(text: string): unknown };
  /** CloudWatch namespace of every metric (server.emfNamespace). */
  namespace: string;
  /** Milliseconds since the epoch (tests fix it). */
  now?: () => number;
}

/**
 * Metrics as CloudWatch Embedded Metric Format lines, one per event. Per model (dimension ModelId) the names
 * Bedrock's own AWS/Bedrock metrics use: Invocations, InvocationLatency, InputTokenCount, OutputTokenCount,
 * InvocationThrottles; plus CostUsd per model and, per answer (no dimension), Answers, AnswerCacheHits and
 * Refusals. An answer is counted as one invocation of its model when it made a model call (tokens were used).
 */
export function createCloudWatchEmfSink({ stream, namespace, now = Date.now }: CloudWatchEmfSinkOptions): MetricsSink {
  function write(dimensions: Record<string, string>, metrics: EmfMetric[]): void {
    stream.write(`${JSON.stringify(emfDocument({ namespace, timestamp: now(), dimensions, metrics }))}\n`);
  }
  const count = (name: string, value: number): EmfMetric => ({ name, unit: 'Count', value });

  return {
    answer(e: AnswerEvent) {
      const invoked = !e.cached && (e.inputTokens > 0 || e.outputTokens > 0);
      if (invoked) {
        write({ ModelId: e.model }, [
          count('Invocations', 1),
          ...(e.latencyMs !== undefined ? [{ name: 'InvocationLatency', unit: 'Milliseconds' as const, value: e.latencyMs }] : []),
          count('InputTokenCount', e.inputTokens),
          count('OutputTokenCount', e.outputTokens),
          { name: 'CostUsd', unit: 'None', value: e.costUsd ?? 0 },
        ]);
      }
      write({}, [count('Answers', 1), count('AnswerCacheHits', e.cached ? 1 : 0), count('Refusals', e.found === false ? 1 : 0)]);
    },
    embeddingCall(e) {
      write({ ModelId: e.model }, [count('Invocations', 1), count('InputTokenCount', e.inputTokens ?? 0), { name: 'CostUsd', unit: 'None', value: e.costUsd ?? 0 }]);
    },
    modelError(e) {
      if (e.reason === 'throttled') write({ ModelId: e.model }, [count('InvocationThrottles', 1)]);
    },
  };
}
