import { PII_TYPES, type PiiType } from './pii-placeholder.js';
import type { PiiSpan } from './find-pii.js';

/** One labelled line: its plain text and the identifiers it holds. */
export interface LabelledLine {
  text: string;
  spans: PiiSpan[];
}

const LABEL = /\{(EMAIL|PHONE|CARD|IP|IBAN|SSN):([^}]*)\}/g;

/** Lines of `{TYPE:text}`-marked cases (# starts a comment) as plain texts with their gold spans. */
export function parseLabelledPii(source: string): LabelledLine[] {
  return source
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const spans: PiiSpan[] = [];
      let text = '';
      let last = 0;
      for (const m of line.matchAll(LABEL)) {
        text += line.slice(last, m.index);
        const value = m[2] ?? '';
        spans.push({ type: m[1] as PiiType, start: text.length, end: text.length + value.length, text: value });
        text += value;
        last = m.index + m[0].length;
      }
      return { text: text + line.slice(last), spans };
    });
}

export interface PiiScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/**
 * Precision and recall per type and overall. A found span counts only when it has the gold span's type and
 * covers all of it (a partial match leaks the rest, so it is both a false positive and a false negative).
 */
export function scorePii(lines: Array<{ gold: PiiSpan[]; found: PiiSpan[] }>): Record<PiiType | 'ALL', PiiScore> {
  const counts = Object.fromEntries([...PII_TYPES, 'ALL'].map((t) => [t, { tp: 0, fp: 0, fn: 0 }])) as Record<PiiType | 'ALL', { tp: number; fp: number; fn: number }>;
  for (const { gold, found } of lines) {
    const matched = new Set<PiiSpan>();
    for (const f of found) {
      const hit = gold.find((g) => !matched.has(g) && g.type === f.type && f.start <= g.start && f.end >= g.end);
      if (hit) matched.add(hit);
      for (const t of [f.type, 'ALL'] as const) counts[t][hit ? 'tp' : 'fp']++;
    }
    for (const g of gold) if (!matched.has(g)) for (const t of [g.type, 'ALL'] as const) counts[t].fn++;
  }
  const score = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }): PiiScore => ({
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 1,
  });
  return Object.fromEntries(Object.entries(counts).map(([t, c]) => [t, score(c)])) as Record<PiiType | 'ALL', PiiScore>;
}
