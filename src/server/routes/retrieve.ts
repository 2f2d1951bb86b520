import { Router, type RequestHandler } from 'express';
import { withVisibility } from '../with-visibility.js';
import type { Retriever } from '../../retrieve/create-retriever.js';
import type { RerankedRetrievalResult } from '../../retrieve/with-reranker.js';
import type { Role } from '../api-keys.js';
import { requestSignal } from '../request-signal.js';
import { retrieveSchema } from '../schemas.js';

export interface RetrieveRouteDeps {
  retriever: Pick<Retriever, 'retrieve'>;
  maxQuestionChars: number;
  guard: (role: Role) => RequestHandler[];
  shutdown: AbortSignal;
}

/** POST /v1/retrieve: ranked chunks for a query, no answer (and no model call beyond the query embedding). */
export function retrieveRoutes(deps: RetrieveRouteDeps): Router {
  const schema = retrieveSchema(deps);
  const router = Router();
  router.post('/retrieve', ...deps.guard('reader'), async (req, res) => {
    const body = schema.parse(req.body);
    const result = await deps.retriever.retrieve(body.question, {
      ...(body.topK ? { topK: body.topK } : {}),
      ...withVisibility(body.filters, req.principal),
      ...(body.rerank !== undefined ? { rerank: body.rerank } : {}),
      ...(body.rerankTopN !== undefined ? { rerankTopN: body.rerankTopN } : {}),
      signal: requestSignal(res, deps.shutdown),
    }) as RerankedRetrievalResult;
    res.json({
      chunks: result.chunks.map(({ mergedIds: _merged, charStart: _start, charEnd: _end, ...chunk }) => chunk),
      timings: result.timings,
      ...(result.rerank ? { rerank: result.rerank } : {}),
    });
  });
  return router;
}
