import { plainText } from './plain-text.js';
import { splitSentences } from './split-sentences.js';

/** A piece of a source an extractive answer may quote. */
export interface QuotableUnit {
  /** What the answer shows: clean text; a table row carries its column headers ("Data: Backups; Kept: 35 days"). */
  text: string;
  /** The source text it came from, verbatim with whitespace collapsed: the citation snippet. */
  raw: string;
  kind: 'sentence' | 'row';
  /** Units of one paragraph run, list or table share a block: consecutive units of a block read as one passage. */
  block: number;
  /** Units of one paragraph, list item or table row share a paragraph: their raw texts are contiguous. */
  paragraph: number;
}

const FENCE = /^(`{3,}|~{3,})/;
const LIST_ITEM = /^(?:[-*+•]|\d{1,3}[.)])\s+/;
const NUMBERED = /^\d{1,3}[.)]\s+/;
const RULE = /^(?:[-*_=]\s*){3,}$/;
const TABLE_RULE = /^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$/;
// "Header: value; Header: value" — a table row the loader already paired with its headers.
const PAIRED_ROW = /^[^:;]{1,80}: [^;]+(?:; [^:;]{1,80}: [^;]*)+$/;
const CODE_START = /^(?:\$ |> |aws |curl |npm |npx |pip |git |sudo |docker |kubectl |import |from \S+ import |def |class \w|const |let |var |function |public |private |return |#include|<\?xml)/;
const MIN_WORDS = 4;

/**
 * The quotable sentences and table rows of a source text, in order. Headings (Markdown `#`, setext, the
 * source's heading path, and short unpunctuated title lines), code (fenced blocks and code-like lines) and
 * table rules are left out: they answer nothing. Lines of one paragraph are joined before sentence splitting
 * (hyphenation at a line end undone), so a PDF line break does not end a sentence.
 */
export function quotableUnits(text: string, headings: string[] = []): QuotableUnit[] {
  const headingLines = new Set(headings.map((h) => normal(plainText(h))).filter(Boolean));
  const units: QuotableUnit[] = [];
  const lines = text.split(/\r?\n/);
  let block = 0;
  let paragraph: string[] = [];
  let fence: string | undefined;

  const flushParagraph = () => {
    if (paragraph.length) units.push(...paragraphUnits(paragraph, block).map((u) => ({ ...u, paragraph: units.length })));
    paragraph = [];
  };
  const endBlock = () => {
    flushParagraph();
    block++;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const fenceMark = FENCE.exec(line)?.[1];
    if (fence) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = undefined;
      continue;
    }
    if (fenceMark) {
      endBlock();
      fence = fenceMark;
      continue;
    }
    if (!line) {
      endBlock();
      continue;
    }
    if (/^#{1,6}(?:\s|$)/.test(line) || headingLines.has(normal(plainText(line)))) {
      endBlock();
      continue;
    }
    if (RULE.test(line)) {
      // A setext underline makes the line above it a heading.
      if (/^[=-]+$/.test(line) && paragraph.length === 1) paragraph = [];
      endBlock();
      continue;
    }
    if (line.startsWith('|') || (line.includes('|') && TABLE_RULE.test(lines[i + 1]?.trim() ?? ''))) {
      endBlock();
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim()) rows.push(lines[i++]!.trim());
      i--;
      for (const row of tableUnits(rows, block)) units.push({ ...row, paragraph: units.length });
      endBlock();
      continue;
    }
    if (LIST_ITEM.test(line) || PAIRED_ROW.test(plainText(line)) || startsNewLine(paragraph.at(-1), line)) flushParagraph();
    paragraph.push(line);
  }
  flushParagraph();
  return units;
}

/** Whether `line` starts a new paragraph after `previous` instead of continuing it (a wrapped line continues). */
function startsNewLine(previous: string | undefined, line: string): boolean {
  if (previous === undefined) return false;
  if (isHeadingLike(previous) && /^[\p{Lu}\p{N}]/u.test(line)) return true;
  if (PAIRED_ROW.test(plainText(previous))) return true;
  // Clean text puts each list item on its own line, without its bullet: a line that starts with a capital after
  // one that ends a clause without punctuation is the next item, not the wrapped rest of a sentence.
  if (/[\p{L}\p{N})]$/u.test(previous) && /^\p{Lu}\p{Ll}/u.test(line) && !/^(?:I|[A-Z][a-z]+(?:\s[A-Z][a-z]+)+)\b/u.test(line)) return true;
  return isCodeLike(previous) || isCodeLike(line);
}

type Unplaced = Omit<QuotableUnit, 'paragraph'>;

function paragraphUnits(lines: string[], block: number): Unplaced[] {
  const joined = lines.reduce((text, line) => (!text ? line : /[\p{L}]-$/u.test(text) && /^\p{Ll}/u.test(line) ? text.slice(0, -1) + line : `${text} ${line}`), '');
  const bullet = /^[-*+•]\s+/.test(joined);
  const body = joined.replace(LIST_ITEM, '').replace(/^\[[ xX]\]\s*/, '');
  if (!bullet && isHeadingLike(joined)) return [];
  if (PAIRED_ROW.test(plainText(body))) return quotable(plainText(body), joined, 'row', block);
  return splitSentences(body).flatMap((sentence) => quotable(plainText(sentence), sentence, 'sentence', block));
}

function tableUnits(rows: string[], block: number): Unplaced[] {
  const cells = (row: string) => row.replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
  const hasHeader = rows.length > 1 && TABLE_RULE.test(rows[1]!);
  const header = hasHeader ? cells(rows[0]!).map(plainText) : [];
  const out: Unplaced[] = [];
  for (const row of rows.slice(hasHeader ? 2 : 0)) {
    if (TABLE_RULE.test(row)) continue;
    const values = cells(row);
    const filled = values.filter(Boolean);
    // A row of links (a table of contents) or with one value states no fact of its own.
    if (filled.length < 2 || filled.every((v) => /^\[[^\]]*\]\([^)]*\)$/.test(v))) continue;
    const text = values
      .map((v, i) => ({ v: plainText(v), h: header[i] }))
      .filter(({ v }) => v)
      .map(({ v, h }) => (h ? `${h}: ${v}` : v))
      .join('; ');
    out.push(...quotable(text, row, 'row', block));
  }
  return out;
}

function quotable(markup: string, raw: string, kind: QuotableUnit['kind'], block: number): Unplaced[] {
  // A reference mark in the source ("[2]") would read as one of the answer's citations.
  const text = markup.replace(/\s*\[\d+\]/g, '');
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  if (words < MIN_WORDS || isCodeLike(kind === 'row' ? text : raw)) return [];
  return [{ text, raw: raw.replace(/\s+/g, ' ').trim(), kind, block }];
}

/** A short line without sentence punctuation that reads as a title ("2. Passwords and authentication", "DAY 1"). */
function isHeadingLike(line: string): boolean {
  const text = plainText(line.replace(NUMBERED, ''));
  if (/[.!?:;,]["')\]]*$/.test(text) || /[:;=—]/.test(text)) return false;
  return text.split(/\s+/).length <= 8 && /^[\p{Lu}\p{N}]/u.test(text);
}

/** Shell commands, JSON, markup and source code: quoting them as an answer would read as noise. */
export function isCodeLike(line: string): boolean {
  const text = line.trim();
  if (CODE_START.test(text) || /^[{}[\]]/.test(text) || /[{[(]$/.test(text) || /^<\/?[a-z][^>]*>$/i.test(text)) return true;
  const symbols = (text.match(/[{}[\]<>=;`\\|]|":/g) ?? []).length;
  return symbols / Math.max(1, text.replace(/\s/g, '').length) > 0.12;
}

function normal(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}
