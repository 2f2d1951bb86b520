import { KbError } from '../errors.js';

/** Documented limits of one Bedrock Rerank call (API reference: Rerank, RerankTextDocument, BedrockRerankingConfiguration). */
export const RERANK_LIMITS = { maxSources: 1000, maxTextChars: 32_000, maxResults: 1000 } as const;

/** A rerank call that Bedrock would refuse: too many sources, an empty or over-long text, a bad topN. */
export class RerankInputError extends KbError {
  /** The offending field: "query", "texts", "texts[3]" or "topN". */
  readonly field: string;
  constructor(field: string, message: string) {
    super('RERANK_INPUT', message, { exitCode: 1, httpStatus: 400 });
    this.field = field;
  }
}

/** Throws a RerankInputError naming the first limit the call breaks. */
export function checkRerankInput(query: string, texts: string[], topN: number | undefined): void {
  const { maxSources, maxTextChars, maxResults } = RERANK_LIMITS;
  if (query.length === 0 || query.length > maxTextChars) {
    throw new RerankInputError('query', `The rerank query has ${query.length} characters; Bedrock Rerank takes 1 to ${maxTextChars}. Shorten the question.`);
  }
  if (texts.length > maxSources) {
    throw new RerankInputError('texts', `${texts.length} sources were given to rerank; Bedrock Rerank takes at most ${maxSources} per call. Lower retrieval.rerank.topN (KB_RERANK_TOP_N).`);
  }
  const bad = texts.findIndex((t) => t.length === 0 || t.length > maxTextChars);
  if (bad >= 0) {
    throw new RerankInputError(`texts[${bad}]`, `Source ${bad} has ${texts[bad]!.length} characters; Bedrock Rerank takes 1 to ${maxTextChars} per source. Clip or drop it before reranking.`);
  }
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 1 || topN > maxResults)) {
    throw new RerankInputError('topN', `topN ${topN} is out of range: Bedrock Rerank returns 1 to ${maxResults} results.`);
  }
}
