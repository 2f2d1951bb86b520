/** One answer as the metrics see it. */
export interface AnswerEvent {
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number | undefined;
  /** Time spent answering after retrieval (the chat call, streamed to the end), when known. */
  latencyMs?: number | undefined;
  /** Answered from the answer cache: no model call. */
  cached?: boolean | undefined;
  /** False when the answer says the knowledge base does not hold it (a refusal). */
  found?: boolean | undefined;
}

/**
 * Another consumer of the events the server's metrics record (Prometheus is always kept for GET /metrics):
 * the CloudWatch Embedded Metric Format writer today.
 */
export interface MetricsSink {
  answer(event: AnswerEvent): void;
  /** One query embedding call. */
  embeddingCall(event: { model: string; inputTokens?: number | undefined; costUsd?: number | undefined }): void;
  /** A model call that failed after retries; `throttled` is Bedrock's ThrottlingException. */
  modelError(event: { model: string; reason: string }): void;
}
