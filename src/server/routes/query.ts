import { Router, type RequestHandler } from 'express';
import { withVisibility } from '../with-visibility.js';
import { answerQuestion, type AnsweredQuestion } from '../../answer/answer-question.js';
import type { Answerer } from '../../answer/answerer.js';
import type { AnswerQuestionFn } from '../../answer/with-answer-cache.js';
import { isAbortError } from '../../errors.js';
import { redactPii } from '../../pii/redact-pii.js';
import type { Retriever } from '../../retrieve/create-retriever.js';
import type { Source } from '../../types.js';
import type { Role } from '../api-keys.js';
import { auditQuery, type QueryAudit } from '../audit.js';
import type { ServerMetrics } from '../metrics.js';
import type { ModelCallLimiter } from '../model-call-limiter.js';
import { CLIENT_CLOSED, logProblem, problemForRequest } from '../problem.js';
import { requestSignal } from '../request-signal.js';
import { querySchema } from '../schemas.js';
import { createEventStream, wantsEventStream } from '../sse.js';

export interface QueryRouteDeps {
  retriever: Pick<Retriever, 'retrieve'>;
  answerer: Answerer;
  minCoverage: number;
  maxQuestionChars: number;
  auditQuestions: 'hash' | 'text';
  /** answer.redactPii: the audit line keeps (or hashes) the question with its identifiers replaced by placeholders. */
  redactPii?: boolean;
  /** answerQuestion, or it behind the answer cache (createCachedAsk); answerQuestion when not given. */
  ask?: AnswerQuestionFn;
  limiter: ModelCallLimiter;
  metrics: ServerMetrics;
  guard: (role: Role) => RequestHandler[];
  shutdown: AbortSignal;
}

/**
 * POST /v1/query: a cited answer, as JSON or as Server-Sent Events (`sources`, `token`..., `citations`,
 * `usage`, `done`; a failure after the first event is an `error` event carrying the problem document).
 */
export function queryRoutes(deps: QueryRouteDeps): Router {
  const schema = querySchema(deps);
  const router = Router();
  router.post('/query', ...deps.guard('reader'), async (req, res) => {
    const body = schema.parse(req.body);
    let release: (() => void) | undefined;
    const signal = requestSignal(res, deps.shutdown);
    const stream = wantsEventStream(req.get('accept'), body.stream) ? createEventStream(res) : undefined;
    const auditedQuestion = deps.redactPii ? await redactPii(body.question) : body.question;
    const audit = (fields: Pick<QueryAudit, 'outcome' | 'status'> & Partial<QueryAudit>) =>
      auditQuery(req.log, { keyId: req.principal?.id ?? 'anonymous', question: auditedQuestion, keep: deps.auditQuestions, ...fields });
    try {
      release = deps.limiter.acquire();
      const result = await (deps.ask ?? answerQuestion)({
        question: body.question,
        retriever: deps.retriever,
        answerer: deps.answerer,
        minCoverage: deps.minCoverage,
        signal,
        ...(body.history ? { history: body.history } : {}),
        ...(body.topK ? { topK: body.topK } : {}),
        ...withVisibility(body.filters, req.principal),
        ...(body.params ? { params: body.params } : {}),
        ...(body.rerank !== undefined ? { rerank: body.rerank } : {}),
        ...(body.rerankTopN !== undefined ? { rerankTopN: body.rerankTopN } : {}),
        ...(stream
          ? { onSources: (sources: Source[]) => stream.send('sources', { sources: sources.map(sourceSummary) }), onToken: (text: string) => stream.send('token', { text }) }
          : {}),
      });
      deps.metrics.observeAnswer({
        model: result.model, usage: result.usage, costUsd: result.cost?.byModel[result.model], latencyMs: result.timings.answerMs, cached: result.cached, found: result.found,
      });
      req.log.debug({ answer: result.answer, sources: result.sources.map((s) => ({ n: s.n, path: s.path, text: s.text })) }, 'answer');
      audit({ outcome: result.found ? 'answered' : 'not_found', status: 200, citations: result.citations, usage: result.usage, model: result.model, ...(result.cached !== undefined ? { cached: result.cached } : {}), ...(result.guardrail ? { guardrail: result.guardrail } : {}) });
      const out = responseBody(result);
      if (!stream) {
        res.json(out);
        return;
      }
      stream.send('citations', { citations: out.citations });
      stream.send('usage', { usage: out.usage, ...(out.cost ? { cost: out.cost } : {}), model: out.model, ...(out.cached !== undefined ? { cached: out.cached } : {}), timings: out.timings });
      // The final text: an LLM answer may differ from the tokens streamed (citation markers to no source are removed).
      stream.send('done', { found: out.found, answer: out.answer, ...(out.cached !== undefined ? { cached: out.cached } : {}), ...(out.guardrail ? { guardrail: out.guardrail } : {}) });
      stream.end();
    } catch (error) {
      const aborted = isAbortError(error) && signal.aborted;
      const problem = problemForRequest(error, req);
      audit({ outcome: aborted ? 'aborted' : 'failed', status: aborted ? CLIENT_CLOSED : problem.status, model: deps.answerer.modelId });
      if (!stream?.started) throw error;
      // Headers are gone: the failure becomes the stream's last event.
      deps.metrics.observeError(error);
      logProblem(req.log, error, problem);
      stream.send('error', problem.body);
      stream.end();
    } finally {
      release?.();
    }
  });
  return router;
}

function responseBody(r: AnsweredQuestion) {
  return {
    answer: r.answer, found: r.found, citations: r.citations, usage: r.usage, ...(r.cost ? { cost: r.cost } : {}), model: r.model, ...(r.cached !== undefined ? { cached: r.cached } : {}), timings: r.timings,
    ...(r.guardrail ? { guardrail: r.guardrail } : {}),
    ...(r.rerank ? { rerank: r.rerank } : {}),
  };
}

/** What the client needs to show a source before the answer arrives; the text comes with the citations. */
function sourceSummary(s: Source) {
  return { n: s.n, documentId: s.documentId, path: s.path, ...(s.page !== undefined ? { page: s.page } : {}), ...(s.heading ? { heading: s.heading } : {}), score: s.score };
}
