/** Counters the emulator keeps since start or the last reset; served as JSON at GET /_emulator/stats. */
export interface EmulatorStats {
  /** Model calls received (control endpoints are not counted). */
  requests: number;
  /** Calls by route: invoke, converse, converse-stream, invoke-with-response-stream, count-tokens, rerank, apply-guardrail. */
  byRoute: Record<string, number>;
  /** Calls by model id as sent (inference profile prefixes kept). */
  byModel: Record<string, number>;
  /** Calls answered with ThrottlingException. */
  throttled: number;
  /** Calls answered with any other error. */
  errors: number;
  /** Streamed replies cut short because the client closed the stream (an aborted answer). */
  streamsCancelled: number;
  /** Texts embedded successfully. */
  embeddedTexts: number;
  /** Sources scored by successful Rerank calls. */
  rerankedSources: number;
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache tokens Converse reported as read and written. */
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** One model call as received, for tests to assert on the request an adapter sent. */
export interface RecordedRequest {
  route: string;
  modelId: string;
  /** The request path without its query string, e.g. /model/…/converse-stream or /rerank. */
  path: string;
  /** When it arrived (ISO 8601, the emulator's clock). */
  at: string;
  /** The parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
  /** How the call authenticated; undefined when it did not. */
  auth: 'bearer' | 'sigv4' | undefined;
  /** The HTTP status answered; 0 while the call is in progress. */
  status: number;
}

export function emptyStats(): EmulatorStats {
  return { requests: 0, byRoute: {}, byModel: {}, throttled: 0, errors: 0, streamsCancelled: 0, embeddedTexts: 0, rerankedSources: 0, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
}

export function countRequest(stats: EmulatorStats, route: string, modelId: string): void {
  stats.requests++;
  stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
  stats.byModel[modelId] = (stats.byModel[modelId] ?? 0) + 1;
}
