import matter from 'gray-matter';
import type { LoadedDocument } from '../../types.js';
import { markdownToSections } from './markdown-to-sections.js';

export async function loadMarkdown(text: string): Promise<LoadedDocument> {
  const warnings: string[] = [];
  let body = text;
  let data: Record<string, unknown> = {};
  try {
    const parsed = matter(text);
    body = parsed.content;
    data = parsed.data;
  } catch (error) {
    warnings.push(`front matter ignored: ${(error as Error).message.split('\n')[0]}`);
  }
  const offset = text.length - body.length;
  const tags = Array.isArray(data.tags) ? data.tags.map(String) : typeof data.tags === 'string' ? data.tags.split(/[,\s]+/).filter(Boolean) : [];
  const { title: firstH1, sections } = await markdownToSections(body, offset);
  const title = typeof data.title === 'string' ? data.title : firstH1;
  return { format: 'markdown', ...(title ? { title } : {}), tags, metadata: data, sections, warnings };
}
