import { isTag, type ChildNode } from 'domhandler';
import { parseDocument } from 'htmlparser2';

const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg']);

/** The readable text of an HTML fragment (a raw HTML block in Markdown): tags, comments, scripts dropped. */
export function htmlFragmentText(html: string): string {
  const parts: string[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const node of nodes) {
      if (node.type === 'text') parts.push(node.data);
      else if (isTag(node) && !DROPPED.has(node.name.toLowerCase())) walk(node.children);
    }
  };
  walk(parseDocument(html, { decodeEntities: true }).children);
  return parts.join('').replace(/\s+/g, ' ').trim();
}
