import type { Nodes, PhrasingContent, RootContent, Table } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Link, Section } from '../../types.js';
import { formatTableRow } from './format-table-row.js';
import { htmlFragmentText } from './html-fragment-text.js';
import { createSectionBuilder, type Piece, pushBreak, pushText, type SectionBuilder } from './section-builder.js';

/**
 * Clean, heading-sectioned text of a Markdown body parsed by micromark (CommonMark + GFM): no escapes,
 * emphasis markers, raw HTML or link targets in the text; list items and table rows one per line, each
 * row with its column headers; code blocks verbatim and marked as code. `offset` is where `body` starts in
 * the file (after front matter), so the source map points into the file.
 */
export function markdownToSections(body: string, offset = 0): { title?: string; sections: Section[] } {
  const tree = fromMarkdown(body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const builder = createSectionBuilder();
  let title: string | undefined;
  const at = (node: Nodes): number | undefined => {
    const o = node.position?.start.offset;
    return o === undefined ? undefined : o + offset;
  };

  const end = (node: Nodes): number | undefined => {
    const o = node.position?.end.offset;
    return o === undefined ? undefined : o + offset;
  };
  const inline = (nodes: PhrasingContent[], pieces: Piece[], links: Link[]) => {
    nodes.forEach((node, i) => {
      switch (node.type) {
        case 'text':
          pushText(pieces, strayEmphasis(node.value), at(node));
          break;
        case 'inlineCode': {
          const start = at(node);
          pushText(pieces, node.value, start === undefined ? undefined : start + 1);
          break;
        }
        case 'break':
          pushBreak(pieces);
          break;
        case 'html': {
          // `Name  <a name="x"></a>\nText`: the two spaces meant a line break, the anchor hid it from the parser.
          const before = nodes.slice(0, i).reverse().find((n) => n.type !== 'html');
          const after = nodes.slice(i + 1).find((n) => n.type !== 'html');
          const hiddenBreak = before?.type === 'text' && / {2,}$/.test(before.value) && after?.type === 'text' && after.value.startsWith('\n');
          if (hiddenBreak || /^<br\s*\/?>$/i.test(node.value)) pushBreak(pieces);
          break;
        }
        case 'link':
        case 'linkReference': {
          const literal = node.type === 'link' && node.children.length === 1 && node.children[0]!.type === 'text' && node.children[0]!.value === node.url;
          const before = pieces.length;
          // GFM literal autolinks keep backslash escapes and stray emphasis (`https://a\.example\.com/**x**`).
          if (literal) pushText(pieces, node.url.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/\*\*|[*_\\]+$/g, ''), at(node));
          else inline(node.children, pieces, links);
          const text = pieces.slice(before).map((p) => p.text).join('').trim();
          if (node.type === 'link' && text) links.push({ text, url: literal ? text : node.url });
          break;
        }
        case 'emphasis':
        case 'strong':
        case 'delete':
          inline(node.children, pieces, links);
          break;
        default:
          break; // images, footnote references: nothing a reader quotes
      }
    });
  };
  const inlineText = (nodes: PhrasingContent[]) => {
    const pieces: Piece[] = [];
    inline(nodes, pieces, []);
    return pieces.map((p) => p.text).join('').trim();
  };

  const blocks = (nodes: RootContent[], sink: SectionBuilder, kind: 'text' | 'list-item', top: boolean) => {
    for (const node of nodes) {
      switch (node.type) {
        case 'heading': {
          const text = inlineText(node.children);
          if (!top) {
            sink.block(kind, [{ text, ...(at(node) !== undefined ? { source: at(node)! } : {}) }]);
            break;
          }
          if (node.depth === 1 && title === undefined && text) title = text;
          sink.heading(node.depth, text);
          break;
        }
        case 'paragraph': {
          const pieces: Piece[] = [];
          const links: Link[] = [];
          inline(node.children, pieces, links);
          sink.block(kind, pieces, links, end(node));
          break;
        }
        case 'list':
          for (const item of node.children) {
            // An item's own paragraphs are one line; nested lists and code follow as their own blocks.
            const own = item.children.filter((c) => c.type === 'paragraph');
            const pieces: Piece[] = [];
            const links: Link[] = [];
            own.forEach((p, i) => {
              if (i > 0) pushText(pieces, ' ');
              inline(p.children, pieces, links);
            });
            sink.block('list-item', pieces, links, end(own.at(-1) ?? item));
            blocks(item.children.filter((c) => c.type !== 'paragraph'), sink, 'list-item', false);
          }
          break;
        case 'blockquote':
        case 'footnoteDefinition':
          blocks(node.children, sink, kind, false);
          break;
        case 'code': {
          const start = at(node);
          const inSource = start === undefined ? -1 : body.indexOf(node.value, start - offset);
          sink.block('code', [{ text: node.value, ...(inSource >= 0 ? { source: inSource + offset } : {}) }], [], end(node));
          break;
        }
        case 'html': {
          const text = htmlFragmentText(node.value);
          if (text) sink.block(kind, [{ text, ...(at(node) !== undefined ? { source: at(node)! } : {}) }], [], end(node));
          break;
        }
        case 'table':
          table(node, sink);
          break;
        default:
          break; // thematic breaks, link definitions, front matter: no text
      }
    }
  };

  const table = (node: Table, sink: SectionBuilder) => {
    const [head, ...rows] = node.children;
    const headers = head?.children.map((cell) => inlineText(cell.children)) ?? [];
    if (!rows.length) sink.block('table-row', [{ text: headers.filter(Boolean).join('; '), ...(head && at(head) !== undefined ? { source: at(head)! } : {}) }]);
    for (const row of rows) {
      const links: Link[] = [];
      const cells = row.children.map((cell) => {
        const pieces: Piece[] = [];
        inline(cell.children, pieces, links);
        return pieces.map((p) => p.text).join('').replace(/\s*\n\s*/g, '; ').trim();
      });
      const text = formatTableRow(headers, cells);
      sink.block('table-row', [{ text, ...(at(row) !== undefined ? { source: at(row)! } : {}) }], links, end(row));
    }
  };

  blocks(tree.children, builder, 'text', true);
  return { ...(title ? { title } : {}), sections: builder.sections() };
}

/**
 * Emphasis markers CommonMark leaves literal because they do not flank a word (`** Name **`, `*https://x*`):
 * still markup to a reader. A `*` between spaces (`2 * 3`) or inside a word stays.
 */
function strayEmphasis(text: string): string {
  return text.replace(/\*\*+|(?<!\w)__+|__+(?!\w)/g, '').replace(/(?<=^|\s)[*_](?!\s)|(?<!\s)[*_](?=$|\s|[.,;:!?)])/g, '');
}
