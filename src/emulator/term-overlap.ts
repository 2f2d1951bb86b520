const WORD = /[\p{L}\p{N}]+/gu;

function terms(text: string): Set<string> {
  return new Set((text.toLowerCase().match(WORD) ?? []).filter((w) => w.length > 2));
}

/**
 * The emulated reranker's relevance: the share of the query's distinct words (three letters or more) that the
 * document contains, in [0, 1]. Crude on purpose: a test can predict the order it gives.
 */
export function termOverlap(query: string, document: string): number {
  const q = terms(query);
  if (q.size === 0) return 0;
  const d = terms(document);
  let hits = 0;
  for (const t of q) if (d.has(t)) hits++;
  return hits / q.size;
}
