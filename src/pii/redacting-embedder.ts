import type { Embedder } from '../models/embedder.js';
import { PLACEHOLDER } from './pii-placeholder.js';
import { redactPii } from './redact-pii.js';

/**
 * An Embedder that never sends the identifiers findPii finds (emails, phones, cards, IPs, IBANs, SSNs) to
 * `embedder`: each text goes out with them replaced by their type (<EMAIL>, <IBAN>; no number, since nothing comes
 * back to restore and the same kind of value should embed alike in every chunk). Vectors are returned as given.
 */
export function withEmbeddingRedaction(embedder: Embedder): Embedder {
  return {
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    capabilities: embedder.capabilities,
    ...(embedder.retryPolicy ? { retryPolicy: embedder.retryPolicy } : {}),
    async embed(texts, options) {
      const redacted: string[] = [];
      for (const text of texts) redacted.push((await redactPii(text)).replace(PLACEHOLDER, '<$1>'));
      return embedder.embed(redacted, options);
    },
  };
}
