/** A piece of generated text and the citation numbers that back it. */
export interface CitedPart {
  text: string;
  /** Offsets into the marker-free output; `end` is the offset of the part's last character (inclusive), as the service reports spans. */
  start: number;
  end: number;
  citations: number[];
}

const MARKERS = /\s*(?:\[\d+\])+/g;

/**
 * Splits an answer written with [n] markers into the service's shape: the output text without markers, and
 * the parts of it each marker run closes, so a citation's generatedResponsePart is the text it backs.
 */
export function citedParts(answer: string): { text: string; parts: CitedPart[] } {
  let text = '';
  let from = 0;
  let partStart = 0;
  const parts: CitedPart[] = [];
  for (const match of answer.matchAll(MARKERS)) {
    text += answer.slice(from, match.index);
    from = match.index + match[0].length;
    const numbers = [...match[0].matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const lead = text.slice(partStart).length - text.slice(partStart).trimStart().length;
    const start = partStart + lead;
    if (text.length > start) parts.push({ text: text.slice(start), start, end: text.length - 1, citations: [...new Set(numbers)] });
    partStart = text.length;
  }
  text += answer.slice(from);
  return { text, parts };
}

/**
 * Removes markers from streamed text as it arrives, holding back only what could still be the start of a
 * marker (trailing spaces, a "[12"), so the pieces joined equal citedParts(answer).text.
 */
export function createMarkerStripper() {
  let pending = '';
  return {
    push(token: string): string {
      pending += token;
      const hold = /\s*(?:\[\d+\])*(?:\[\d*)?$/.exec(pending)!;
      const safe = pending.slice(0, hold.index);
      pending = pending.slice(hold.index);
      return safe.replace(MARKERS, '');
    },
    flush(): string {
      const rest = pending.replace(MARKERS, '');
      pending = '';
      return rest;
    },
  };
}
