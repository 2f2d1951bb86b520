import type { PiiSpan } from './find-pii.js';

// Added to @arcjet/redact, which has no bank account or national id types: IBANs (validated by their ISO 13616
// mod-97 check digits, compact or in groups of four) and US social security numbers in their dashed form
// (ddd-dd-dddd without the never-issued 000, 666 and 9xx areas, 00 group or 0000 serial). Undashed nine-digit
// numbers are left alone: too many other numbers look like them.
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;

/** IBANs and dashed US social security numbers in `text`, left to right. */
export function findAccountNumbers(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const m of text.matchAll(IBAN)) {
    const iban = longestValidIban(m[0]);
    if (iban) spans.push({ type: 'IBAN', start: m.index, end: m.index + iban.length, text: iban });
  }
  for (const m of text.matchAll(SSN)) spans.push({ type: 'SSN', start: m.index, end: m.index + m[0].length, text: m[0] });
  return spans.sort((a, b) => a.start - b.start);
}

/** The match, or the longest prefix of it ending at a group boundary, whose check digits hold. */
function longestValidIban(candidate: string): string | undefined {
  for (let text = candidate; text.replace(/ /g, '').length >= 15; text = text.replace(/ ?[A-Z0-9]+$/, '')) {
    const compact = text.replace(/ /g, '');
    if (compact.length <= 34 && mod97(compact.slice(4) + compact.slice(0, 4)) === 1) return text;
    if (!text.includes(' ')) return undefined;
  }
  return undefined;
}

function mod97(alphanumeric: string): number {
  let rest = 0;
  for (const ch of alphanumeric) {
    const value = parseInt(ch, 36);
    rest = value > 9 ? (rest * 100 + value) % 97 : (rest * 10 + value) % 97;
  }
  return rest;
}
