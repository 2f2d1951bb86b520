import type { LoadedDocument } from '../../types.js';
import { parseFrontMatter } from './parse-front-matter.js';
import { splitMarkdownSections } from './split-markdown-sections.js';

export function loadMarkdown(text: string): LoadedDocument {
  const { data, body, bodyOffset: offset, warnings } = parseFrontMatter(text);
  const tags = Array.isArray(data.tags) ? data.tags.map(String) : typeof data.tags === 'string' ? data.tags.split(/[,\s]+/).filter(Boolean) : [];
  const sections = splitMarkdownSections(body, offset);
  const firstH1 = /^#[ \t]+(.+)$/m.exec(body)?.[1]?.trim();
  const title = typeof data.title === 'string' ? data.title : firstH1;
  return { format: 'markdown', ...(title ? { title } : {}), tags, metadata: data, sections, warnings };
}
