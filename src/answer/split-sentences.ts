const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });
// Abbreviations the ICU sentence rules break after ("Dr. Smith"); "e.g." and "3.5" it already keeps whole.
const ABBREVIATION = /(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|No|Nos|Fig|Figs|Vol|vs|etc|approx|incl|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$/;

/**
 * Sentences of one paragraph of prose, verbatim (trimmed), in order, by the Unicode sentence rules
 * (`Intl.Segmenter`). Line breaks are the caller's business: pass reflowed paragraphs.
 */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  let carry = '';
  for (const { segment } of SEGMENTER.segment(paragraph)) {
    // A sentence that ends inside emphasis ("*How tall is it?* You can…") leaves the closing marker behind.
    const closing = /^(?:\*{1,2}|_{1,2}|`)(?=\s|$)/.exec(segment)?.[0];
    if (closing && out.length && !carry) {
      out[out.length - 1] += closing;
      if (!segment.slice(closing.length).trim()) continue;
    }
    const piece = carry + (closing && !carry ? segment.slice(closing.length) : segment);
    if (ABBREVIATION.test(piece.trimEnd())) {
      carry = piece;
      continue;
    }
    carry = '';
    if (piece.trim()) out.push(piece.trim());
  }
  if (carry.trim()) out.push(carry.trim());
  return out;
}
