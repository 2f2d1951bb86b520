import type { Section } from '../../types.js';

// Anchored and without nested quantifiers; the closing #s are trimmed by hand. The former
// /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/ backtracked cubically: a heading line with 4,000 spaces took 10 s.
const HEADING = /^(#{1,6})[ \t]+(\S.*)$/;
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
      path.push({ level, title: headingTitle(m[2]!).replace(/[*_`]/g, '') });
      currentPath = path.map((h) => h.title);
      start = pos;
    }
    pos += line.length + 1;
  }
  flush(text.length);
  return sections;
}

/** A heading's text without its optional closing sequence of #s and the blanks around it. */
function headingTitle(rest: string): string {
  const isBlank = (i: number) => rest[i] === ' ' || rest[i] === '\t';
  let end = rest.length;
  while (end > 0 && isBlank(end - 1)) end--;
  const beforeHashes = end;
  while (end > 0 && rest[end - 1] === '#') end--;
  if (end === 0) return rest.slice(0, beforeHashes); // a heading that is all #s keeps them
  while (end > 0 && isBlank(end - 1)) end--;
  return rest.slice(0, end);
}
