import type { Logger } from 'pino';
import type { Citation, GuardrailIntervention, Usage } from '../types.js';
import { sha256Hex } from './api-keys.js';

export interface QueryAudit {
  keyId: string;
  question: string;
  /** What the audit line keeps of the question (server.auditQuestions). */
  keep: 'hash' | 'text';
  outcome: 'answered' | 'not_found' | 'failed' | 'aborted';
  status: number;
  citations?: Citation[];
  usage?: Usage;
  model?: string;
  /** A guardrail's intervention: where and why (never the blocked text). */
  guardrail?: GuardrailIntervention;
  /** Answered from the answer cache (no model call); absent when the cache is off. */
  cached?: boolean;
}

/** One audit line per query: who asked, what (hashed unless configured), which documents were cited, tokens. */
export function auditQuery(logger: Logger, a: QueryAudit): void {
  logger.info(
    {
      audit: 'query',
      keyId: a.keyId,
      ...(a.keep === 'text' ? { question: a.question } : { questionSha256: sha256Hex(a.question) }),
      outcome: a.outcome,
      status: a.status,
      documentsCited: [...new Map((a.citations ?? []).map((c) => [c.documentId, { id: c.documentId, path: c.path }])).values()],
      ...(a.usage ? { tokens: { input: a.usage.inputTokens, output: a.usage.outputTokens, embedding: a.usage.embeddingTokens } } : {}),
      ...(a.model ? { model: a.model } : {}),
      ...(a.guardrail ? { guardrail: { source: a.guardrail.source, reason: a.guardrail.reason } } : {}),
      ...(a.cached !== undefined ? { cached: a.cached } : {}),
    },
    'audit',
  );
}
