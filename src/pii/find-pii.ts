import { isIP } from 'node:net';
import { redact, type ArcjetSensitiveInfoType } from '@arcjet/redact';
import { findAccountNumbers } from './find-account-numbers.js';
import type { PiiType } from './pii-placeholder.js';

/** One identifier found in a text: [start, end) in UTF-16 code units, as String.slice takes them. */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
  text: string;
}

const TYPE_OF: Record<ArcjetSensitiveInfoType, PiiType> = {
  email: 'EMAIL',
  'phone-number': 'PHONE',
  'credit-card-number': 'CARD',
  'ip-address': 'IP',
};

/**
 * Emails, phone numbers, payment card numbers, IP addresses, IBANs and US SSNs in `text`, left to right, not
 * overlapping. Detection is @arcjet/redact's (offline WebAssembly, per whitespace token), with the additions in
 * `detectMissed`, `isVersionNumber` and `findAccountNumbers` for what it misses or mistakes (measured by
 * `npm run eval:pii`); `additions: false` is the library alone, for that comparison.
 */
export async function findPii(text: string, { additions = true }: { additions?: boolean } = {}): Promise<PiiSpan[]> {
  const spans: PiiSpan[] = [];
  for (const { start, piece } of segments(text)) {
    for (const span of await findInPiece(piece, additions)) spans.push({ ...span, start: span.start + start, end: span.end + start });
  }
  return spans;
}

// The library's time grows faster than the text's length when it holds many matches: long texts go in pieces of
// at most this many characters, cut after a line break, else before a word that starts with a lowercase letter
// (the spaces inside phone, card and IBAN numbers are followed by digits or capitals), so no identifier is cut.
const MAX_PIECE = 4096;

function segments(text: string): Array<{ start: number; piece: string }> {
  const out: Array<{ start: number; piece: string }> = [];
  let start = 0;
  while (text.length - start > MAX_PIECE) {
    const cut = cutPoint(text.slice(start, start + MAX_PIECE));
    out.push({ start, piece: text.slice(start, start + cut) });
    start += cut;
  }
  out.push({ start, piece: text.slice(start) });
  return out;
}

function cutPoint(window: string): number {
  const line = window.lastIndexOf('\n');
  if (line > 0) return line + 1;
  for (let i = window.length - 1; i > 0; i--) if (/\s/.test(window[i - 1]!) && /[a-z]/.test(window[i]!)) return i;
  return window.length;
}

async function findInPiece(text: string, additions: boolean): Promise<PiiSpan[]> {
  const found: Array<{ type: PiiType; text: string }> = [];
  // Our own spans are built from the callback's plain texts; the library's rewritten string is not used, since
  // overlapping matches (a token and a piece of it) garble it.
  await redact(text, {
    ...(additions ? { detect: (tokens: string[]) => tokens.map(detectMissed) } : {}),
    replace: (entity, plaintext) => {
      found.push({ type: TYPE_OF[entity as ArcjetSensitiveInfoType], text: plaintext });
      return undefined;
    },
  });
  const spans = locate(text, found);
  if (!additions) return spans;
  return withAccountNumbers(spans.filter((span) => !(span.type === 'IP' && isVersionNumber(text, span))), findAccountNumbers(text));
}

/** IBANs and SSNs replace the library's spans they cover (it reads a dashed SSN as a phone number). */
function withAccountNumbers(spans: PiiSpan[], accounts: PiiSpan[]): PiiSpan[] {
  if (!accounts.length) return spans;
  const kept = spans.filter((s) => !accounts.some((a) => a.start <= s.start && a.end >= s.end));
  const added = accounts.filter((a) => !kept.some((s) => a.start < s.end && a.end > s.start));
  return [...kept, ...added].sort((a, b) => a.start - b.start);
}

/**
 * Offsets for the callback's matches, which come in reading order: each is searched from where the previous one
 * ended. A match found only before that (the library reports a whole token after a piece of it) takes the place
 * of the spans it covers.
 */
function locate(text: string, found: Array<{ type: PiiType; text: string }>): PiiSpan[] {
  let spans: PiiSpan[] = [];
  let cursor = 0;
  for (const hit of found) {
    const at = text.indexOf(hit.text, cursor);
    if (at >= 0) {
      spans.push({ ...hit, start: at, end: at + hit.text.length });
      cursor = at + hit.text.length;
      continue;
    }
    for (let from = text.indexOf(hit.text); from >= 0; from = text.indexOf(hit.text, from + 1)) {
      const end = from + hit.text.length;
      const overlapping = spans.filter((s) => from < s.end && end > s.start);
      if (overlapping.every((s) => s.start >= from && s.end <= end)) {
        spans = [...spans.filter((s) => !overlapping.includes(s)), { ...hit, start: from, end }].sort((a, b) => a.start - b.start);
        break;
      }
    }
  }
  return spans.map(trimmed);
}

// Added to the library: it tokenises on whitespace and trims only trailing commas and full stops, so
// "(ana@example.com", "security@example.io;", "<first.last@example.com>" and "203.0.113.7;" are missed
// (node:net isIP validates the address); it also misses some Luhn-valid card numbers (Mastercard's
// 5555 5555 5555 4444 test number).
const LEADING = /^[(<["'{;,]+/;
const TRAILING = /[)>\]"'};,.:!?]+$/;
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;
const CARD = /^\d(?:[ -]?\d){12,18}$/;

function detectMissed(token: string): ArcjetSensitiveInfoType | undefined {
  const core = token.replace(LEADING, '').replace(TRAILING, '');
  if (EMAIL.test(core)) return 'email';
  if (isIP(core)) return 'ip-address';
  if (CARD.test(core) && luhnValid(core.replace(/[ -]/g, ''))) return 'credit-card-number';
  return undefined;
}

/** A span found through detectMissed carries the token's punctuation: keep only the identifier. */
function trimmed(span: PiiSpan): PiiSpan {
  if (span.type === 'PHONE') return span;
  const lead = LEADING.exec(span.text)?.[0].length ?? 0;
  const trail = TRAILING.exec(span.text.slice(lead))?.[0].length ?? 0;
  const text = span.text.slice(lead, span.text.length - trail);
  return { ...span, start: span.start + lead, end: span.start + lead + text.length, text };
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

// Added to the library: a four-part version ("version 1.2.3.4", "v10.0.0.1") is a valid IPv4 address to it.
const VERSION_WORD = /\b(?:version|release|build|v)\s*$/i;

function isVersionNumber(text: string, span: PiiSpan): boolean {
  return !span.text.includes(':') && VERSION_WORD.test(text.slice(Math.max(0, span.start - 12), span.start));
}
