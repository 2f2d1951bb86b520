import type { BlockKind } from '../types.js';

/** A piece of a section's text the chunker never cuts: a whole block, a sentence, or a code line run. */
export interface Unit {
  kind: BlockKind;
  start: number;
  end: number;
}

/** Made on first use: building ICU's sentence rules costs about 15 ms, which a run with nothing to chunk need not pay. */
let sentences: Intl.Segmenter | undefined;
// The segmenter is linear, but a 20 MB line with no sentence end is one segment: it is fed windows cut at
// whitespace, so an absurd input costs one window of overlap at each edge and never a quadratic pass.
const WINDOW_CHARS = 64 * 1024;

/**
 * Cuts the block text[start, end) into units of at most `size` characters: whole sentences for prose (a
 * sentence longer than `size` is cut at spaces), whole lines for code. A block that fits is one unit.
 */
export function splitBlock(text: string, kind: BlockKind, start: number, end: number, size: number): Unit[] {
  if (end - start <= size) return [{ kind, start, end }];
  const out: Unit[] = [];
  const push = (s: number, e: number) => {
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e <= s) return;
    if (e - s <= size) out.push({ kind, start: s, end: e });
    else for (const [a, b] of cutAtSpaces(text, s, e, size)) out.push({ kind, start: a, end: b });
  };
  if (kind === 'code') {
    let lineStart = start;
    while (lineStart < end) {
      const nl = text.indexOf('\n', lineStart);
      const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
      push(lineStart, lineEnd);
      lineStart = lineEnd;
    }
    return out;
  }
  for (const [ws, we] of cutAtSpaces(text, start, end, WINDOW_CHARS)) {
    for (const seg of (sentences ??= new Intl.Segmenter('en', { granularity: 'sentence' })).segment(text.slice(ws, we))) push(ws + seg.index, ws + seg.index + seg.segment.length);
  }
  return out;
}

/** Ranges of at most `size` characters ending at whitespace where there is any in the second half. */
function cutAtSpaces(text: string, start: number, end: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  while (end - s > size) {
    let cut = s + size;
    // Scan back only over the second half: lastIndexOf would walk to the start of a huge text on every cut.
    let space = cut;
    while (space > s + size / 2 && text[space] !== ' ' && text[space] !== '\n') space--;
    if (space > s + size / 2) cut = space;
    out.push([s, cut]);
    s = cut;
    while (s < end && /\s/.test(text[s]!)) s++;
  }
  if (end > s) out.push([s, end]);
  return out;
}
