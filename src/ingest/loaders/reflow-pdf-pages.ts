/**
 * Paragraphs from the line-per-row text of PDF pages: header and footer lines that repeat on most pages are
 * dropped, lines of one paragraph are joined, and end-of-line hyphenation is undone ("docu-" + "ment" →
 * "document", but "well-" + "known" stays "well-known" when the document writes it so elsewhere).
 * Returns one list of paragraphs per page, in page order.
 */
export function reflowPdfPages(pages: string[]): string[][] {
  const lines = pages.map((p) => p.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean));
  const chrome = repeatedEdgeLines(lines);
  const kept = lines.map((page) => page.filter((line, i) => !(isEdge(i, page.length) && (chrome.has(edgeKey(line)) || isPageNumber(line)))));
  const width = percentile(kept.flat().map((l) => l.length), 0.8);
  const vocabulary = wordsOf(kept.flat());
  return kept.map((page) => paragraphs(page, width, vocabulary));
}

const EDGE_LINES = 2;
const isEdge = (i: number, n: number) => i < EDGE_LINES || i >= n - EDGE_LINES;
/** Digits vary between pages ("Page 2", "Page 3"), so they are not part of a header's identity. */
const edgeKey = (line: string) => line.toLowerCase().replace(/\d+/g, '#');
const isPageNumber = (line: string) => /^(page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(\s*(of|\/)\s*\d{1,4})?$/i.test(line) || /^[ivxlc]{1,6}$/i.test(line);

function repeatedEdgeLines(pages: string[][]): Set<string> {
  const out = new Set<string>();
  if (pages.length < 3) return out;
  const count = new Map<string, number>();
  for (const page of pages) {
    const keys = new Set(page.filter((_, i) => isEdge(i, page.length)).map(edgeKey));
    for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
  }
  for (const [key, n] of count) if (n >= Math.max(3, pages.length * 0.5)) out.add(key);
  return out;
}

const LIST_ITEM = /^([•·▪‣◦●○■□➢►–—*-]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\[\d+\])\s/;
const SENTENCE_END = /[.!?:;"”’)\]]$/;

function paragraphs(lines: string[], width: number, vocabulary: Set<string>): string[] {
  const out: string[] = [];
  let current = '';
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (previous === undefined || startsParagraph(previous, line, width)) {
      if (current) out.push(current);
      current = line;
      return;
    }
    current = joinLines(current, line, vocabulary);
  });
  if (current) out.push(current);
  return out;
}

/** Whether `line` begins a new paragraph after `previous` (a short last line, a heading, a list item). */
function startsParagraph(previous: string, line: string, width: number): boolean {
  if (LIST_ITEM.test(line)) return true;
  const short = previous.length < width * 0.85;
  if (short && SENTENCE_END.test(previous)) return true;
  // A short line without an ending, followed by a capital, is a heading or a label on its own line.
  return previous.length < width * 0.6 && !/[,\-–]$/.test(previous) && /^[\p{Lu}\p{N}]/u.test(line);
}

function joinLines(text: string, line: string, vocabulary: Set<string>): string {
  const hyphen = /(\p{L}*\p{Ll})-$/u.exec(text);
  const next = /^(\p{Ll}+)/u.exec(line);
  if (!hyphen || !next) return `${text} ${line}`;
  const compound = `${hyphen[1]}-${next[1]}`.toLowerCase();
  const joined = `${hyphen[1]}${next[1]}`.toLowerCase();
  if (vocabulary.has(compound) && !vocabulary.has(joined)) return `${text}${line}`;
  return `${text.slice(0, -1)}${line}`;
}

/** Lower-cased words as the document writes them inside lines (the last word of a hyphenated line excluded). */
function wordsOf(lines: string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const words = line.toLowerCase().match(/[\p{L}]+(?:-[\p{L}]+)*/gu) ?? [];
    if (line.endsWith('-')) words.pop();
    for (const w of words) out.add(w);
  }
  return out;
}

function percentile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
