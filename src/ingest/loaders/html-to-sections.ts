import { parse, type HTMLElement, type Node } from 'node-html-parser';
import type { Section } from '../../types.js';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'nav', 'head']);
const BLOCK = new Set(['p', 'div', 'li', 'tr', 'br', 'section', 'article', 'table', 'ul', 'ol', 'pre', 'blockquote', 'dd', 'dt', 'figcaption', 'header', 'footer', 'main', 'aside']);

/** Heading-sectioned plain text of an HTML document (also used for .docx, which mammoth turns into HTML). */
export function htmlToSections(html: string): { title?: string; sections: Section[]; tags: string[] } {
  const root = parse(html, { comment: false, blockTextElements: { script: false, style: false, pre: true } });
  const title = root.querySelector('title')?.text.trim() || root.querySelector('h1')?.text.trim() || undefined;
  const keywords = root.querySelector('meta[name="keywords"]')?.getAttribute('content');
  const tags = keywords ? keywords.split(',').map((t) => t.trim()).filter(Boolean) : [];
  const body = root.querySelector('body') ?? root;

  const sections: Section[] = [];
  const path: Array<{ level: number; title: string }> = [];
  let buffer = '';
  let full = '';
  let sectionStart = 0;
  const flush = () => {
    if (buffer.trim()) sections.push({ text: buffer.trim(), headingPath: path.map((h) => h.title), charStart: sectionStart });
    full += buffer;
    buffer = '';
    sectionStart = full.length;
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      buffer += decode(node.rawText).replace(/\s+/g, ' ');
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? '';
    if (SKIP.has(tag)) return;
    const h = /^h([1-6])$/.exec(tag);
    if (h) {
      flush();
      const level = Number(h[1]);
      const text = el.text.replace(/\s+/g, ' ').trim();
      while (path.length && path.at(-1)!.level >= level) path.pop();
      if (text) path.push({ level, title: text });
      buffer = `${text}\n\n`;
      return;
    }
    for (const child of el.childNodes) walk(child);
    if (BLOCK.has(tag)) buffer = buffer.replace(/[ \t]+$/, '') + '\n';
  };
  walk(body);
  flush();
  for (const s of sections) s.text = s.text.replace(/\n{3,}/g, '\n\n').replace(/^ +/gm, '');
  return { ...(title ? { title } : {}), sections, tags };
}

function decode(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}
