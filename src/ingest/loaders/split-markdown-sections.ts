import type { Section } from '../../types.js';

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^(```|~~~)/;

/**
 * Splits Markdown into sections at ATX headings (outside code fences), each with its heading path and
 * its offset in `text`. A section's text starts with its own heading line, so chunks keep it as context.
 */
export function splitMarkdownSections(text: string, offset = 0): Section[] {
  const sections: Section[] = [];
  const path: Array<{ level: number; title: string }> = [];
  let inFence = false;
  let start = 0;
  let currentPath: string[] = [];
  let pos = 0;
  const flush = (end: number) => {
    const body = text.slice(start, end);
    if (body.trim()) sections.push({ text: body, headingPath: currentPath, charStart: offset + start });
  };
  for (const line of text.split('\n')) {
    if (FENCE.test(line.trimStart())) inFence = !inFence;
    const m = inFence ? null : HEADING.exec(line);
    if (m) {
      flush(pos);
      const level = m[1]!.length;
      while (path.length && path.at(-1)!.level >= level) path.pop();
      path.push({ level, title: m[2]!.replace(/[*_`]/g, '') });
      currentPath = path.map((h) => h.title);
      start = pos;
    }
    pos += line.length + 1;
  }
  flush(text.length);
  return sections;
}
