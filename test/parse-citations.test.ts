import { describe, expect, it } from 'vitest';
import { bestSnippet, parseCitations } from '../src/answer/parse-citations.js';
import { analyzeTerms } from '../src/text/analyze-terms.js';
import type { Source } from '../src/types.js';

function source(n: number, text: string, extra: Partial<Source> = {}): Source {
  return { n, chunkId: 100 + n, documentId: 10 + n, path: `docs/doc-${n}.md`, text, score: 1 / n, ...extra };
}
const sources = [1, 2, 3, 4].map((n) => source(n, `Source ${n} text.`));

describe('parseCitations', () => {
  it('maps [n] markers to citations in order of first use, unique', () => {
    const parsed = parseCitations('Notice is 30 days [2]. Leave is 25 days [1]. Again notice [2].', sources);
    expect(parsed.citations.map((c) => c.n)).toEqual([2, 1]);
    expect(parsed.text).toBe('Notice is 30 days [2]. Leave is 25 days [1]. Again notice [2].');
    expect(parsed.removedMarkers).toBe(0);
    expect(parsed.citations[0]).toMatchObject({ n: 2, documentId: 12, path: 'docs/doc-2.md', score: 0.5 });
  });

  it('reads [n, m], [n][m] and [n-m] markers', () => {
    expect(parseCitations('A [1, 3].', sources).citations.map((c) => c.n)).toEqual([1, 3]);
    expect(parseCitations('A [3][1].', sources).citations.map((c) => c.n)).toEqual([3, 1]);
    expect(parseCitations('A [2-4].', sources).citations.map((c) => c.n)).toEqual([2, 3, 4]);
    expect(parseCitations('A [4–2].', sources).citations.map((c) => c.n)).toEqual([2, 3, 4]);
    expect(parseCitations('A [Source 2].', sources).citations.map((c) => c.n)).toEqual([2]);
  });

  it('removes markers that point to no source and counts them', () => {
    const parsed = parseCitations('Leave is 25 days [7]. Notice is 30 days [1][9]. Pay is monthly [0].', sources);
    expect(parsed.text).toBe('Leave is 25 days. Notice is 30 days [1]. Pay is monthly.');
    expect(parsed.removedMarkers).toBe(3);
    expect(parsed.citations.map((c) => c.n)).toEqual([1]);
  });

  it('trims groups and ranges to their valid numbers', () => {
    const group = parseCitations('A [1, 8, 2].', sources);
    expect(group.text).toBe('A [1, 2].');
    expect(group.removedMarkers).toBe(1);
    const range = parseCitations('A [3-12].', sources);
    expect(range.text).toBe('A [3, 4].');
    expect(range.removedMarkers).toBe(1);
    expect(parseCitations('A [5-1000000].', sources)).toMatchObject({ text: 'A.', removedMarkers: 1, citations: [] });
  });

  it('only knows the numbers of the sources given, even when they have gaps', () => {
    const gappy = [source(1, 'One.'), source(3, 'Three.')];
    const parsed = parseCitations('X [1-3]. Y [2].', gappy);
    expect(parsed.text).toBe('X [1, 3]. Y.');
    expect(parsed.citations.map((c) => c.n)).toEqual([1, 3]);
    expect(parsed.removedMarkers).toBe(2);
  });

  it('leaves code and Markdown links alone', () => {
    const answer = 'Use `items[0]` here [1].\n```\nconst x = a[5];\n```\nSee [2](http://x.test).';
    const parsed = parseCitations(answer, sources);
    expect(parsed.text).toBe(answer);
    expect(parsed.removedMarkers).toBe(0);
    expect(parsed.citations.map((c) => c.n)).toEqual([1]);
  });

  it('returns the cited sentences with their numbers, markers after the full stop included', () => {
    const parsed = parseCitations(
      'Staff give 30 days notice [1]. Contractors give 7 days.[2] Both apply from signing. [3]\n- Probation is 3 months [4][1]\nNo citation here.',
      sources,
    );
    expect(parsed.citedSentences).toEqual([
      { sentence: 'Staff give 30 days notice.', ns: [1] },
      { sentence: 'Contractors give 7 days.', ns: [2] },
      { sentence: 'Both apply from signing.', ns: [3] },
      { sentence: '- Probation is 3 months', ns: [4, 1] },
    ]);
  });

  it('finds no citations in an answer without markers', () => {
    expect(parseCitations('The sources do not contain the answer.', sources)).toEqual({
      text: 'The sources do not contain the answer.',
      citations: [],
      removedMarkers: 0,
      citedSentences: [],
    });
  });

  it('copies page and heading, and omits them when absent', () => {
    const parsed = parseCitations('A [1]. B [2].', [source(1, 'a', { page: 4, heading: 'Leave' }), source(2, 'b')]);
    expect(parsed.citations[0]).toMatchObject({ page: 4, heading: 'Leave' });
    expect(parsed.citations[1]).not.toHaveProperty('page');
    expect(parsed.citations[1]).not.toHaveProperty('heading');
  });

  it('takes the snippet from the part of the source the sentence talks about', () => {
    const filler = 'The office is open on weekdays and the canteen serves lunch at noon. '.repeat(6);
    const text = `${filler}Contractors must give seven days written notice before leaving the project. ${filler}`;
    const parsed = parseCitations('Contractors give seven days written notice [1].', [source(1, text)]);
    const snippet = parsed.citations[0]!.snippet;
    expect(snippet).toContain('Contractors must give seven days written notice');
    expect(snippet.replace(/…/g, '').length).toBeLessThanOrEqual(200);
    expect(snippet.startsWith('…')).toBe(true);
  });
});

describe('bestSnippet', () => {
  it('returns a short source whole', () => {
    expect(bestSnippet('  Short   text.  ', new Set(['text']))).toBe('Short text.');
  });

  it('starts at the sentence that holds the matching words when it fits, and cuts no word', () => {
    const text = `${'Alpha beta gamma delta. '.repeat(20)}Annual leave is twenty five days per year. ${'Epsilon zeta eta theta. '.repeat(20)}`;
    const snippet = bestSnippet(text, new Set(analyzeTerms('annual leave twenty five days')));
    expect(snippet).toMatch(/^…Annual leave is twenty five days per year\./);
    expect(snippet).toMatch(/(Epsilon|zeta|eta|theta)\.?…$/);
  });

  it('falls back to the start of the source when nothing matches', () => {
    const snippet = bestSnippet('word '.repeat(100), new Set(['nothing']));
    expect(snippet.startsWith('word word')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
  });
});
