/**
 * Weighted reciprocal rank fusion: score(d) = sum over lists of weight / (k + rank). Rank-based, so BM25 and
 * cosine scores need no common scale. A list with weight 0 contributes nothing (it still annotates results).
 */
export function fuseRankings(lists: Array<{ ids: number[]; weight: number }>, k = 60): Map<number, number> {
  const scores = new Map<number, number>();
  for (const { ids, weight } of lists) {
    ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  }
  return scores;
}
