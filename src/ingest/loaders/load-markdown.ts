import type { LoadedDocument } from '../../types.js';
import { markdownToSections } from './markdown-to-sections.js';
import { parseFrontMatter } from './parse-front-matter.js';

export async function loadMarkdown(text: string): Promise<LoadedDocument> {
  const { data, body, bodyOffset: offset, warnings } = parseFrontMatter(text);
  const tags = Array.isArray(data.tags) ? data.tags.map(String) : typeof data.tags === 'string' ? data.tags.split(/[,\s]+/).filter(Boolean) : [];
  const { title: firstH1, sections } = await markdownToSections(body, offset);
  const title = typeof data.title === 'string' ? data.title : firstH1;
  return { format: 'markdown', ...(title ? { title } : {}), tags, metadata: data, sections, warnings };
}
