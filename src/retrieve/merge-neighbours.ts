import type { RankedChunk } from '../types.js';

/**
 * Adjacent chunks of the same document and section that both made the list become one result (the better
 * score, the texts joined without their overlap), instead of the same passage appearing twice.
 */
export function mergeNeighbours(ranked: RankedChunk[]): RankedChunk[] {
  // Groups can only grow by one neighbour per pass; repeat until no two groups touch (ordinals 3, 0, 1, 2 -> one).
  let current = ranked.map((c) => ({ ...c, mergedIds: [...c.mergedIds] }));
  for (;;) {
    const next = mergePass(current);
    if (next.length === current.length) return next;
    current = next;
  }
}

function mergePass(ranked: RankedChunk[]): RankedChunk[] {
  const out: RankedChunk[] = [];
  for (const chunk of ranked) {
    const host = out.find(
      (r) => r.documentId === chunk.documentId && r.heading === chunk.heading && r.page === chunk.page &&
        (chunk.ordinal === r.ordinal + r.mergedIds.length || chunk.ordinal + chunk.mergedIds.length === r.ordinal),
    );
    if (!host) {
      out.push({ ...chunk, mergedIds: chunk.mergedIds.length ? [...chunk.mergedIds] : [chunk.id] });
      continue;
    }
    if (chunk.ordinal < host.ordinal) {
      host.text = joinOverlapping(chunk.text, host.text);
      host.ordinal = chunk.ordinal;
      host.charStart = chunk.charStart;
      host.mergedIds.unshift(...chunk.mergedIds);
    } else {
      host.text = joinOverlapping(host.text, chunk.text);
      host.charEnd = chunk.charEnd;
      host.mergedIds.push(...chunk.mergedIds);
    }
  }
  return out;
}

/** a + b without the text b repeats from the end of a (the chunker's overlap). */
export function joinOverlapping(a: string, b: string): string {
  for (let len = Math.min(a.length, b.length, 2000); len >= 20; len--) {
    if (a.endsWith(b.slice(0, len))) return a + b.slice(len);
  }
  return `${a}\n${b}`;
}
