import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ModelCallError } from '../errors.js';
import type { Usage } from '../types.js';
import type { MetricsSink } from './metrics-sink.js';

export interface MetricsOptions {
  /** Node process metrics (event loop lag, heap); off in tests, which build many apps in one process. */
  processMetrics?: boolean;
  /** Also fed every answer, embedding call and model failure (server.metrics: cloudwatch-emf). */
  sink?: MetricsSink;
}

/** Values read when Prometheus scrapes; bound by createApp, which owns the store and the limiter. */
export interface GaugeSources {
  counts?: () => Promise<{ documents: number; chunks: number }>;
  inFlight?: () => number;
}

/**
 * Prometheus metrics on a registry of their own (not prom-client's global one), so several apps can live in
 * one process (tests) without clashing names.
 */
export function createMetrics({ processMetrics = false, sink }: MetricsOptions = {}) {
  const registry = new Registry();
  const registers = [registry];
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'kb_' });

  const requests = new Counter({ name: 'kb_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
  const latency = new Histogram({
    name: 'kb_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const tokens = new Counter({ name: 'kb_model_tokens_total', help: 'Model tokens by model and kind (input, output, embedding)', labelNames: ['model', 'kind'], registers });
  const cost = new Counter({ name: 'kb_model_cost_usd_total', help: 'Estimated model cost in USD by model', labelNames: ['model'], registers });
  const embeddingCalls = new Counter({ name: 'kb_embedding_calls_total', help: 'Query embedding calls by model', labelNames: ['model'], registers });
  const modelErrors = new Counter({ name: 'kb_model_errors_total', help: 'Failed model calls by model and failure reason', labelNames: ['model', 'reason'], registers });
  const throttles = new Counter({ name: 'kb_model_throttles_total', help: 'Model calls the provider throttled (after retries)', labelNames: ['model'], registers });
  const cacheHits = new Counter({ name: 'kb_answer_cache_hits_total', help: 'Answers served from the answer cache (no model call)', registers });
  const refusals = new Counter({ name: 'kb_refusals_total', help: 'Answers saying the knowledge base does not hold the answer', registers });
  const jobs = new Counter({ name: 'kb_index_jobs_total', help: 'Finished index jobs by status', labelNames: ['status'], registers });
  const sources: GaugeSources = {};
  new Gauge({ name: 'kb_documents', help: 'Documents in the knowledge base', registers, async collect() { if (sources.counts) this.set((await sources.counts()).documents); } });
  new Gauge({ name: 'kb_chunks', help: 'Chunks in the knowledge base', registers, async collect() { if (sources.counts) this.set((await sources.counts()).chunks); } });
  new Gauge({ name: 'kb_answers_in_flight', help: 'Answers being generated now', registers, collect() { if (sources.inFlight) this.set(sources.inFlight()); } });

  return {
    registry,
    bindGauges(bound: GaugeSources): void {
      Object.assign(sources, bound);
    },
    observeRequest({ method, route, status, seconds }: { method: string; route: string; status: number; seconds: number }): void {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    /** The chat model's share of an answer; its query embedding is counted by observeEmbeddingCall. */
    observeAnswer({ model, usage, costUsd, latencyMs, cached, found }: {
      model: string;
      usage: Pick<Usage, 'inputTokens' | 'outputTokens'>;
      costUsd?: number | undefined;
      /** Time spent answering after retrieval. */
      latencyMs?: number | undefined;
      cached?: boolean | undefined;
      found?: boolean | undefined;
    }): void {
      if (usage.inputTokens) tokens.inc({ model, kind: 'input' }, usage.inputTokens);
      if (usage.outputTokens) tokens.inc({ model, kind: 'output' }, usage.outputTokens);
      if (costUsd) cost.inc({ model }, costUsd);
      if (cached) cacheHits.inc();
      if (found === false) refusals.inc();
      sink?.answer({ model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd, latencyMs, cached, found });
    },
    /** One query embedding (for /v1/query and /v1/retrieve alike), with the usage the service reported. */
    observeEmbeddingCall(model: string, usage?: { inputTokens: number; costUsd?: number | undefined }): void {
      embeddingCalls.inc({ model });
      if (usage?.inputTokens) tokens.inc({ model, kind: 'embedding' }, usage.inputTokens);
      if (usage?.costUsd) cost.inc({ model }, usage.costUsd);
      sink?.embeddingCall({ model, inputTokens: usage?.inputTokens, costUsd: usage?.costUsd });
    },
    /** Counts model failures (and throttles) among any error a request ended with. */
    observeError(error: unknown): void {
      if (!(error instanceof ModelCallError)) return;
      modelErrors.inc({ model: error.modelId, reason: error.reason });
      if (error.reason === 'throttled') throttles.inc({ model: error.modelId });
      sink?.modelError({ model: error.modelId, reason: error.reason });
    },
    observeJob(status: string): void {
      jobs.inc({ status });
    },
  };
}

export type ServerMetrics = ReturnType<typeof createMetrics>;
