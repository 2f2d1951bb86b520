// npm run eval:pii [-- path/to/labelled.txt] — precision and recall of PII detection (src/pii/find-pii.ts, and @arcjet/redact alone) on
// the labelled set test/fixtures/pii-labelled.txt, per type and overall. Prints figures and each miss.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findPii, type PiiSpan } from '../src/pii/find-pii.js';
import { parseLabelledPii, scorePii } from '../src/pii/score-pii.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const file = resolve(process.argv[2] ?? join(REPO, 'test', 'fixtures', 'pii-labelled.txt'));
const lines = parseLabelledPii(readFileSync(file, 'utf8'));
for (const additions of [false, true]) {
  const results = [];
  for (const line of lines) results.push({ text: line.text, gold: line.spans, found: await findPii(line.text, { additions }) });
  console.log(additions ? '\n@arcjet/redact with our additions (what kb uses):' : '@arcjet/redact alone:');
  report(results);
}

function report(results: Array<{ text: string; gold: PiiSpan[]; found: PiiSpan[] }>): void {
  const key = (s: { type: string; text: string }) => `${s.type}:${s.text}`;
  for (const r of results) {
    const missed = r.gold.filter((g) => !r.found.some((f) => f.type === g.type && f.start <= g.start && f.end >= g.end));
    const extra = r.found.filter((f) => !r.gold.some((g) => f.type === g.type && f.start <= g.start && f.end >= g.end));
    if (missed.length || extra.length) console.log(`  ${missed.map((m) => `missed ${key(m)}`).concat(extra.map((e) => `extra ${key(e)}`)).join(', ')}  <- ${r.text}`);
  }
  const scores = scorePii(results);
  console.log(`${lines.length} lines, ${results.reduce((n, r) => n + r.gold.length, 0)} labelled identifiers (${file.replace(`${REPO}/`, '')})`);
  console.log('type    precision  recall   tp  fp  fn');
  for (const [type, s] of Object.entries(scores)) {
    console.log(`${type.padEnd(7)} ${s.precision.toFixed(3).padStart(9)} ${s.recall.toFixed(3).padStart(7)} ${String(s.truePositives).padStart(4)} ${String(s.falsePositives).padStart(3)} ${String(s.falseNegatives).padStart(3)}`);
  }
}
