import { describe, expect, it } from 'vitest';
import { citedParts, createMarkerStripper } from '../src/bedrock-kb-api/cited-parts.js';
import { matchesFilter } from '../src/collections/match-filter.js';

describe('matchesFilter (Bedrock RetrievalFilter semantics)', () => {
  const doc = { path: 'hr/leave.md', format: 'markdown', tags: ['policy', 'hr'], year: 2024 };
  it.each([
    [{ equals: { key: 'format', value: 'markdown' } }, true],
    [{ notEquals: { key: 'missing', value: 1 } }, true],
    [{ greaterThan: { key: 'year', value: 2023 } }, true],
    [{ lessThanOrEquals: { key: 'year', value: 2023 } }, false],
    [{ in: { key: 'format', value: ['pdf', 'markdown'] } }, true],
    [{ notIn: { key: 'format', value: ['markdown'] } }, false],
    [{ startsWith: { key: 'path', value: 'hr/' } }, true],
    [{ listContains: { key: 'tags', value: 'policy' } }, true],
    [{ stringContains: { key: 'tags', value: 'pol' } }, true],
    [{ andAll: [{ equals: { key: 'format', value: 'markdown' } }, { equals: { key: 'year', value: 2020 } }] }, false],
    [{ orAll: [{ equals: { key: 'format', value: 'pdf' } }, { startsWith: { key: 'path', value: 'hr' } }] }, true],
  ])('%j -> %s', (filter, expected) => {
    expect(matchesFilter(filter as never, doc)).toBe(expected);
  });
});

describe('citedParts', () => {
  it('removes markers and gives each cited part its inclusive span', () => {
    const { text, parts } = citedParts('Notice is one month [1]. Senior staff give three [2][3].');
    expect(text).toBe('Notice is one month. Senior staff give three.');
    expect(parts.map((p) => [p.text, text.slice(p.start, p.end + 1), p.citations])).toEqual([
      ['Notice is one month', 'Notice is one month', [1]],
      ['. Senior staff give three', '. Senior staff give three', [2, 3]],
    ]);
  });

  it('the streaming stripper yields the same text whatever the token boundaries', () => {
    const answer = 'Notice is one month [1]. Senior staff give three [12][3]. Done.';
    for (const size of [1, 2, 3, 5, 8]) {
      const s = createMarkerStripper();
      let out = '';
      for (let i = 0; i < answer.length; i += size) out += s.push(answer.slice(i, i + size));
      out += s.flush();
      expect(out, `tokens of ${size}`).toBe(citedParts(answer).text);
    }
  });
});
