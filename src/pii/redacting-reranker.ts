import type { Reranker } from '../models/reranker.js';
import { createRedactionSession } from './redaction-session.js';

/**
 * A Reranker that never sends the identifiers findPii finds to `reranker`: the query and every source are
 * redacted through one session per call (the same identifier gets the same placeholder in both, so a question
 * about <EMAIL_1> still matches the source that has it). Scores refer to the texts' positions, so nothing comes
 * back to restore.
 */
export function withRerankRedaction(reranker: Reranker): Reranker {
  return {
    modelId: reranker.modelId,
    async rerank(query, texts, options) {
      const session = createRedactionSession();
      const redactedQuery = await session.redact(query);
      const redacted: string[] = [];
      for (const text of texts) redacted.push(await session.redact(text));
      return reranker.rerank(redactedQuery, redacted, options);
    },
  };
}
