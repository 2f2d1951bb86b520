import { parse } from 'node-html-parser';

/** The readable text of an HTML fragment (a raw HTML block in Markdown): tags, comments, scripts dropped. */
export function htmlFragmentText(html: string): string {
  const root = parse(html, { comment: false, blockTextElements: { script: false, style: false, noscript: false } });
  for (const el of root.querySelectorAll('script, style, noscript, template, svg')) el.remove();
  return root.text.replace(/\s+/g, ' ').trim();
}
