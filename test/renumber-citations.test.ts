import { describe, expect, it } from 'vitest';
import { parseCitations } from '../src/answer/parse-citations.js';
import { renumberCitations } from '../src/answer/renumber-citations.js';
import { createStreamRenumberer } from '../src/answer/stream-renumberer.js';
import type { Source } from '../src/types.js';

const source = (n: number): Source => ({ n, chunkId: n, documentId: n, path: `doc-${n}.md`, text: `Source ${n} text.`, score: 1 / n });
const sources = [1, 2, 3, 4, 5, 6].map(source);

describe('renumberCitations', () => {
  it('numbers sources in the order of first citation, without gaps, and lists cited sources first', () => {
    const answer = 'Notice is 30 days [6]. Leave is 25 days [2, 6]. Code `arr[2]` stays. Parking is free [2-3].';
    const parsed = parseCitations(answer, sources);
    const result = renumberCitations({ answer: parsed.text, citations: parsed.citations, sources });
    expect(result.answer).toBe('Notice is 30 days [1]. Leave is 25 days [1, 2]. Code `arr[2]` stays. Parking is free [2, 3].');
    expect(result.citations.map((c) => [c.n, c.path])).toEqual([[1, 'doc-6.md'], [2, 'doc-2.md'], [3, 'doc-3.md']]);
    expect(result.sources.map((s) => [s.n, s.path])).toEqual([[1, 'doc-6.md'], [2, 'doc-2.md'], [3, 'doc-3.md'], [4, 'doc-1.md'], [5, 'doc-4.md'], [6, 'doc-5.md']]);
  });
});

describe('createStreamRenumberer', () => {
  it('renumbers markers split across pieces the way the finished answer is renumbered', () => {
    const answer = 'Notice is 30 days [6]. Leave [9] is 25 days [2, 6]. A [link](x) and `arr[2]`. Parking [2-3]';
    const stream = createStreamRenumberer(sources);
    let streamed = '';
    for (const piece of answer.match(/[\s\S]{1,3}/g)!) streamed += stream.push(piece);
    streamed += stream.end();
    const parsed = parseCitations(answer, sources);
    const final = renumberCitations({ answer: parsed.text, citations: parsed.citations, sources }).answer;
    expect(streamed).toBe('Notice is 30 days [1]. Leave  is 25 days [1, 2]. A [link](x) and `arr[2]`. Parking [2, 3]');
    expect(final).toBe('Notice is 30 days [1]. Leave is 25 days [1, 2]. A [link](x) and `arr[2]`. Parking [2, 3]');
  });
});
