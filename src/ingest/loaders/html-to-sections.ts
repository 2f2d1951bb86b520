import { Parser } from 'htmlparser2';
import type { Section } from '../../types.js';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'nav', 'head']);
const BLOCK = new Set(['p', 'div', 'li', 'tr', 'br', 'section', 'article', 'table', 'ul', 'ol', 'pre', 'blockquote', 'dd', 'dt', 'figcaption', 'header', 'footer', 'main', 'aside']);

/**
 * Heading-sectioned plain text of an HTML document (also used for .docx, which mammoth turns into HTML).
 * One streaming pass, no DOM: a DOM parser that repairs unclosed tags by moving children one by one, and a
 * growing string trimmed at every block, each made a headingless 2 MB page take 30 s.
 */
export function htmlToSections(html: string): { title?: string; sections: Section[]; tags: string[] } {
  const sections: Section[] = [];
  const path: Array<{ level: number; title: string }> = [];
  const tags: string[] = [];
  let titleParts: string[] | undefined;
  let title: string | undefined;
  let firstH1: string | undefined;
  let skipDepth = 0;
  let heading: { level: number; parts: string[] } | undefined;
  let parts: string[] = [];
  let length = 0;
  let sectionStart = 0;

  const flush = () => {
    const text = parts.join('');
    const trimmed = text.trim();
    if (trimmed) sections.push({ text: trimmed, headingPath: path.map((h) => h.title), charStart: sectionStart });
    length += text.length;
    parts = [];
    sectionStart = length;
  };
  const endBlock = () => {
    while (parts.length) {
      const last = trimTrailingBlanks(parts.at(-1)!);
      if (last) {
        parts[parts.length - 1] = last;
        break;
      }
      parts.pop();
    }
    parts.push('\n');
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'title' && title === undefined) titleParts = [];
        if (name === 'meta' && attributes.name?.toLowerCase() === 'keywords' && attributes.content) {
          tags.push(...attributes.content.split(',').map((t) => t.trim()).filter(Boolean));
        }
        if (skipDepth || SKIP.has(name)) {
          skipDepth++;
          return;
        }
        const level = headingLevel(name);
        if (level && !heading) {
          flush();
          heading = { level, parts: [] };
        }
      },
      ontext(text) {
        if (titleParts) titleParts.push(text);
        if (skipDepth) return;
        if (heading) heading.parts.push(text);
        else parts.push(text.replace(/\s+/g, ' '));
      },
      onclosetag(name) {
        if (name === 'title' && titleParts) {
          title = titleParts.join('').replace(/\s+/g, ' ').trim();
          titleParts = undefined;
        }
        if (skipDepth) {
          skipDepth--;
          return;
        }
        if (heading) {
          if (headingLevel(name) !== heading.level) return;
          const text = heading.parts.join('').replace(/\s+/g, ' ').trim();
          if (heading.level === 1 && firstH1 === undefined && text) firstH1 = text;
          while (path.length && path.at(-1)!.level >= heading.level) path.pop();
          if (text) path.push({ level: heading.level, title: text });
          parts.push(`${text}\n\n`);
          heading = undefined;
          return;
        }
        if (BLOCK.has(name)) endBlock();
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  if (heading) parts.push(heading.parts.join('').replace(/\s+/g, ' ')); // never closed: keep its text as text
  flush();
  for (const s of sections) s.text = s.text.replace(/\n{3,}/g, '\n\n').replace(/^ +/gm, '');
  const shownTitle = title || firstH1;
  return { ...(shownTitle ? { title: shownTitle } : {}), sections, tags };
}

function headingLevel(tag: string): number {
  return tag.length === 2 && tag[0] === 'h' && tag[1]! >= '1' && tag[1]! <= '6' ? Number(tag[1]) : 0;
}

function trimTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return end === text.length ? text : text.slice(0, end);
}
