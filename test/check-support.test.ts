import { describe, expect, it } from 'vitest';
import { checkSupport, SUPPORT_THRESHOLD } from '../src/answer/check-support.js';
import { parseCitations } from '../src/answer/parse-citations.js';
import type { Source } from '../src/types.js';

function source(n: number, text: string): Source {
  return { n, chunkId: n, documentId: n, path: `d${n}.md`, text, score: 1 };
}

const leave = source(1, 'Full-time employees are entitled to 25 days of paid annual leave per calendar year.');
const notice = source(2, 'Contractors must give seven days written notice. Employees must give 30 days notice to their manager.');
const canteen = source(3, 'The canteen serves lunch from 12:00 to 14:00 on weekdays.');
const sources = [leave, notice, canteen];

function check(answer: string, threshold?: number) {
  const { citedSentences } = parseCitations(answer, sources);
  return checkSupport({ citedSentences, sources, ...(threshold !== undefined ? { threshold } : {}) });
}

describe('checkSupport', () => {
  it('accepts a faithful paraphrase', () => {
    const result = check('Employees get 25 days of paid annual leave each year [1].');
    expect(result.supported.get(1)).toBe(true);
    expect(result.ratio).toBe(1);
    expect(result.sentences[0]!.coverage).toBeGreaterThanOrEqual(SUPPORT_THRESHOLD);
  });

  it('rejects a sentence whose content the cited source lacks', () => {
    const result = check('Employees may carry unused vacation into the following fiscal period [3].');
    expect(result.supported.get(3)).toBe(false);
    expect(result.sentences[0]!.coverage).toBeLessThan(SUPPORT_THRESHOLD);
    expect(result.ratio).toBe(0);
  });

  it('rejects a number the source does not contain even when the words match', () => {
    const result = check('Full-time employees are entitled to 30 days of paid annual leave per calendar year [1].');
    expect(result.sentences[0]!.coverage).toBeGreaterThan(0.9);
    expect(result.sentences[0]!.missingNumbers).toEqual(['30']);
    expect(result.supported.get(1)).toBe(false);
  });

  it('normalises numbers: 1,000 matches 1000 and 3.50 matches 3.5', () => {
    const s = [source(1, 'The fee is 1000 euros or 3.5 percent.')];
    const { citedSentences } = parseCitations('The fee is 1,000 euros or 3.50 percent [1].', s);
    expect(checkSupport({ citedSentences, sources: s }).supported.get(1)).toBe(true);
  });

  it('marks a citation unsupported when any sentence citing it is unsupported', () => {
    const result = check('Employees get 25 days of paid annual leave [1]. Leave doubles after ten years of loyal service [1].');
    expect(result.sentences.map((s) => s.supported)).toEqual([true, false]);
    expect(result.supported.get(1)).toBe(false);
    expect(result.ratio).toBe(0.5);
  });

  it('checks a sentence citing two sources against both, but each must contribute', () => {
    const combined = check('Employees get 25 days of annual leave and must give 30 days notice [1][2].');
    expect(combined.sentences[0]!.supported).toBe(true);
    expect(combined.supported.get(1)).toBe(true);
    expect(combined.supported.get(2)).toBe(true);

    const stray = check('Employees get 25 days of paid annual leave per year [1][3].');
    expect(stray.sentences[0]!.supported).toBe(true);
    expect(stray.supported.get(1)).toBe(true);
    expect(stray.supported.get(3)).toBe(false);
  });

  it('ignores a list bullet number', () => {
    const result = check('2. Contractors give seven days written notice [2].');
    expect(result.sentences[0]!.missingNumbers).toEqual([]);
    expect(result.supported.get(2)).toBe(true);
  });

  it('lets the threshold be tuned', () => {
    const answer = 'Employees get paid leave and a company car [1].';
    expect(check(answer, 0.9).supported.get(1)).toBe(false);
    expect(check(answer, 0.3).supported.get(1)).toBe(true);
  });

  it('reports a ratio of 0 and no flags when nothing is cited', () => {
    const result = check('The sources do not contain the answer.');
    expect(result).toEqual({ supported: new Map(), ratio: 0, sentences: [] });
  });

  it('treats a citation of a source it was not given as unsupported', () => {
    const result = checkSupport({ citedSentences: [{ sentence: 'Anything at all.', ns: [9] }], sources });
    expect(result.supported.get(9)).toBe(false);
  });
});
