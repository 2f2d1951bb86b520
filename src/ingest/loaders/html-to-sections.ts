import { type HTMLElement, type Node, parse } from 'node-html-parser';
import type { Link, Section } from '../../types.js';
import { formatTableRow } from './format-table-row.js';
import { collapseSpaces, createSectionBuilder, type Piece, pushBreak, pushText } from './section-builder.js';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'nav', 'head', 'aside', 'form', 'button', 'select', 'textarea', 'iframe', 'object', 'canvas', 'dialog']);
/** Page chrome, dropped unless it belongs to the content (an article's own header holds its h1). */
const CHROME = new Set(['header', 'footer']);
const CONTENT = new Set(['article', 'main']);
const BLOCK = new Set(['p', 'div', 'section', 'article', 'main', 'ul', 'ol', 'li', 'dl', 'dd', 'dt', 'blockquote', 'figure', 'figcaption', 'header', 'footer', 'address', 'details', 'summary', 'hr', 'body', 'html', 'center']);

/**
 * Heading-sectioned clean text of an HTML document (also .docx, which mammoth turns into HTML), the same
 * shape as Markdown's: paragraphs, list items one per line, <pre> as code, table rows with their column
 * headers; scripts, styles, navigation and page header/footer/aside dropped; link targets kept as metadata.
 */
export function htmlToSections(html: string): { title?: string; sections: Section[]; tags: string[] } {
  const root = parse(html, { comment: false, blockTextElements: { script: false, style: false, noscript: false, pre: true } });
  const h1 = root.querySelector('h1');
  const title = collapseSpaces(root.querySelector('title')?.text ?? '').trim() || (h1 ? collapseSpaces(h1.text).trim() : '') || undefined;
  const keywords = root.querySelector('meta[name="keywords"]')?.getAttribute('content');
  const tags = keywords ? keywords.split(',').map((t) => t.trim()).filter(Boolean) : [];
  const builder = createSectionBuilder();
  let pieces: Piece[] = [];
  let links: Link[] = [];
  let listDepth = 0;
  const flush = () => {
    builder.block(listDepth > 0 ? 'list-item' : 'text', pieces, links);
    pieces = [];
    links = [];
  };

  const walk = (node: Node, inContent: boolean) => {
    if (node.nodeType === 3) {
      pushText(pieces, node.text, node.range[0]);
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? '';
    if (SKIP.has(tag) || (CHROME.has(tag) && !inContent) || el.getAttribute('aria-hidden') === 'true' || el.getAttribute('role') === 'navigation') return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      flush();
      builder.heading(Number(heading[1]), collapseSpaces(el.text).trim());
      return;
    }
    if (tag === 'br') return pushBreak(pieces);
    if (tag === 'pre') {
      flush();
      builder.block('code', [{ text: el.text, source: el.range[0] }], [], el.range[1]);
      return;
    }
    if (tag === 'table') {
      flush();
      table(el);
      return;
    }
    const block = BLOCK.has(tag);
    if (block) flush();
    if (tag === 'li') listDepth++;
    const before = pieces.length;
    for (const child of el.childNodes) walk(child, inContent || CONTENT.has(tag));
    if (tag === 'a') {
      const text = pieces.slice(before).map((p) => p.text).join('').trim();
      const href = el.getAttribute('href');
      if (text && href && !href.startsWith('#')) links.push({ text, url: href });
    }
    if (block) flush();
    if (tag === 'li') listDepth--;
  };

  const table = (el: HTMLElement) => {
    const rows = el.querySelectorAll('tr').filter((tr) => tr.closest('table') === el);
    const cellsOf = (tr: HTMLElement) => tr.childNodes.filter((c): c is HTMLElement => c.nodeType === 1 && /^t[hd]$/i.test((c as HTMLElement).rawTagName ?? ''));
    const text = (cell: HTMLElement) => collapseSpaces(cell.text).trim();
    const isHeader = (tr: HTMLElement) => cellsOf(tr).length > 0 && cellsOf(tr).every((c) => c.rawTagName.toLowerCase() === 'th');
    // Without <th>, a table of two or more rows and columns reads its first row as the header (Word tables).
    let headerRow = rows.find(isHeader);
    if (!headerRow && rows.length >= 2 && cellsOf(rows[0]!).length >= 2) headerRow = rows[0];
    const headers = headerRow ? cellsOf(headerRow).map(text) : [];
    for (const tr of rows) {
      if (tr === headerRow) continue;
      const rowLinks = tr.querySelectorAll('a[href]').map((a) => ({ text: collapseSpaces(a.text).trim(), url: a.getAttribute('href') ?? '' })).filter((l) => l.text && !l.url.startsWith('#'));
      builder.block('table-row', [{ text: formatTableRow(headers, cellsOf(tr).map(text)), source: tr.range[0] }], rowLinks, tr.range[1]);
    }
    if (headerRow && rows.length === 1) builder.block('table-row', [{ text: headers.filter(Boolean).join('; '), source: headerRow.range[0] }]);
  };

  walk(root.querySelector('body') ?? root, false);
  flush();
  return { ...(title ? { title } : {}), sections: builder.sections(), tags };
}
