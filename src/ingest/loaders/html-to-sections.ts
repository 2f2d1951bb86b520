import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { findAll, findOne, getAttributeValue, textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';
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
  // htmlparser2 builds the tree in one linear pass; node-html-parser re-parented children one at a time when
  // repairing tags, which made 2 MB of headingless HTML take 15 s.
  const root = parseDocument(html, { withStartIndices: true, withEndIndices: true, decodeEntities: true });
  const named = (name: string) => (n: Element) => n.name === name;
  const h1 = findOne(named('h1'), root.children);
  const titleEl = findOne(named('title'), root.children);
  const title = collapseSpaces(titleEl ? textContent(titleEl) : '').trim() || (h1 ? collapseSpaces(textContent(h1)).trim() : '') || undefined;
  const meta = findOne((n) => n.name === 'meta' && n.attribs.name?.toLowerCase() === 'keywords', root.children);
  const keywords = meta ? getAttributeValue(meta, 'content') : undefined;
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

  const walk = (node: ChildNode, inContent: boolean) => {
    if (isText(node)) {
      pushText(pieces, node.data, node.startIndex ?? 0);
      return;
    }
    if (!isTag(node)) return;
    const el = node;
    const tag = el.name.toLowerCase();
    if (SKIP.has(tag) || (CHROME.has(tag) && !inContent) || el.attribs['aria-hidden'] === 'true' || el.attribs.role === 'navigation') return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      flush();
      builder.heading(Number(heading[1]), collapseSpaces(textContent(el)).trim());
      return;
    }
    if (tag === 'br') return pushBreak(pieces);
    if (tag === 'pre') {
      flush();
      builder.block('code', [{ text: textContent(el), source: el.startIndex ?? 0 }], [], end(el));
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
    for (const child of el.children) walk(child, inContent || CONTENT.has(tag));
    if (tag === 'a') {
      const text = pieces.slice(before).map((p) => p.text).join('').trim();
      const href = el.attribs.href;
      if (text && href && !href.startsWith('#')) links.push({ text, url: href });
    }
    if (block) flush();
    if (tag === 'li') listDepth--;
  };

  const table = (el: Element) => {
    const rows = findAll((n) => n.name === 'tr' && nearestTable(n) === el, el.children);
    const cellsOf = (tr: Element) => tr.children.filter((c): c is Element => isTag(c) && /^t[hd]$/i.test(c.name));
    const text = (cell: Element) => collapseSpaces(textContent(cell)).trim();
    const isHeader = (tr: Element) => cellsOf(tr).length > 0 && cellsOf(tr).every((c) => c.name.toLowerCase() === 'th');
    // Without <th>, a table of two or more rows and columns reads its first row as the header (Word tables).
    let headerRow = rows.find(isHeader);
    if (!headerRow && rows.length >= 2 && cellsOf(rows[0]!).length >= 2) headerRow = rows[0];
    const headers = headerRow ? cellsOf(headerRow).map(text) : [];
    for (const tr of rows) {
      if (tr === headerRow) continue;
      const rowLinks = findAll((n) => n.name === 'a' && n.attribs.href !== undefined, tr.children)
        .map((a) => ({ text: collapseSpaces(textContent(a)).trim(), url: a.attribs.href ?? '' }))
        .filter((l) => l.text && !l.url.startsWith('#'));
      builder.block('table-row', [{ text: formatTableRow(headers, cellsOf(tr).map(text)), source: tr.startIndex ?? 0 }], rowLinks, end(tr));
    }
    if (headerRow && rows.length === 1) builder.block('table-row', [{ text: headers.filter(Boolean).join('; '), source: headerRow.startIndex ?? 0 }]);
  };

  const body = findOne(named('body'), root.children);
  if (body) walk(body, false);
  else for (const child of root.children) walk(child, false);
  flush();
  return { ...(title ? { title } : {}), sections: builder.sections(), tags };
}

/** One past the element's last character in the source (htmlparser2's endIndex is inclusive). */
const end = (el: Element): number => (el.endIndex ?? el.startIndex ?? 0) + 1;

function nearestTable(node: Element): Element | undefined {
  for (let p = node.parent; p; p = p.parent) if (isTag(p) && p.name === 'table') return p;
  return undefined;
}
