import type { Nodes, PhrasingContent, RootContent, Table } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Link, Section } from '../../types.js';
import { formatTableRow } from './format-table-row.js';
import { collapseSpaces, createSectionBuilder, type Piece, pushBreak, pushText, type SectionBuilder } from './section-builder.js';

/**
 * Clean, heading-sectioned text of a Markdown body parsed by micromark (CommonMark + GFM): no escapes,
 * emphasis markers, raw HTML or link targets in the text; list items and table rows one per line, each
 * row with its column headers; code blocks verbatim and marked as code. `offset` is where `body` starts in
 * the file (after front matter), so the source map points into the file.
 */
export async function markdownToSections(body: string, offset = 0): Promise<{ title?: string; sections: Section[] }> {
  const builder = createSectionBuilder();
  // Raw HTML is read by htmlparser2 (about 35 modules): loaded only for a body that can hold HTML, since every
  // HTML node's text starts with "<".
  const htmlFragmentText = body.includes('<') ? (await import('./html-fragment-text.js')).htmlFragmentText : noHtmlExpected;
  let title: string | undefined;
  let base = offset; // where the batch being walked starts in the file
  let batch = body;
  const at = (node: Nodes): number | undefined => {
    const o = node.position?.start.offset;
    return o === undefined ? undefined : o + base;
  };
  const end = (node: Nodes): number | undefined => {
    const o = node.position?.end.offset;
    return o === undefined ? undefined : o + base;
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
          const inSource = start === undefined ? -1 : batch.indexOf(node.value, start - base);
          sink.block('code', [{ text: node.value, ...(inSource >= 0 ? { source: inSource + base } : {}) }], [], end(node));
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

  const definitions = linkDefinitions(body);
  for (const part of markdownBatches(body)) {
    batch = part.text;
    base = offset + part.start - part.prefix.length; // a repeated table header sits before the batch's own text
    if (isHostile(batch)) {
      // Constructs micromark takes quadratic time or deep recursion on: read as plain paragraphs instead.
      for (const m of batch.matchAll(/\S[\s\S]*?(?=\n[ \t]*\n|$)/g)) builder.block('text', [{ text: collapseSpaces(m[0]), source: base + m.index }], [], base + m.index + m[0].length);
    } else {
      const tree = fromMarkdown(definitions ? `${batch}\n\n${definitions}` : batch, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
      blocks(tree.children, builder, 'text', true);
    }
    // Large files are parsed batch by batch, letting other work (timers, requests) run in between.
    if (part.start + batch.length - part.prefix.length < body.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { ...(title ? { title } : {}), sections: builder.sections() };
}

function noHtmlExpected(): never {
  throw new Error('markdownToSections: an HTML node in a body without "<"');
}

const BATCH_CHARS = 16 * 1024;

/**
 * The body cut into batches of about BATCH_CHARS at blank lines followed by an unindented line outside code
 * fences: such a line ends every open block, so parsing the batches one by one gives the same tree while
 * keeping micromark's cost, which grows faster than the input, per batch.
 */
function* markdownBatches(body: string): Generator<{ text: string; start: number; prefix: string }> {
  let start = 0;
  let prefix = '';
  let fence: string | undefined;
  let tableHead: string | undefined;
  let pos = 0;
  let previous = '';
  for (const line of body.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    const size = pos - start;
    const clean = previous.trim() === '' && /^[^\s]/.test(line) && !marker;
    // A batch that never reaches a clean cut (a huge table) is cut at a line; a table goes on under its header.
    if (!fence && ((clean && size >= BATCH_CHARS) || size >= BATCH_CHARS * 4)) {
      yield { text: prefix + body.slice(start, pos), start, prefix };
      prefix = !clean && tableHead && line.includes('|') ? `${tableHead}\n` : '';
      start = pos;
    }
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence ? undefined : marker;
    if (/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(line) && line.includes('-') && previous.includes('|')) tableHead = `${previous}\n${line}`;
    else if (!line.includes('|')) tableHead = undefined;
    previous = line;
    pos += line.length + 1;
  }
  if (start < body.length) yield { text: prefix + body.slice(start), start, prefix };
}

/** Link reference definitions, appended to every batch so `[text][ref]` resolves wherever it is defined. */
function linkDefinitions(body: string): string {
  return (body.match(/^ {0,3}\[[^\]\n]{1,999}\]:[ \t]*\S+.*$/gm) ?? []).slice(0, 1000).join('\n');
}

/** Deep block-quote or bracket nesting: a parser trap (micromark recurses, or matches labels in quadratic time). */
function isHostile(text: string): boolean {
  if (/^(?:[ \t]*>){32}/m.test(text)) return true;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 && ++depth > 64) return true; // [
    if (c === 93 && depth > 0) depth--; // ]
    if (c === 10 && text.charCodeAt(i + 1) === 10) depth = 0; // a blank line closes every label
  }
  return false;
}

/**
 * Emphasis markers CommonMark leaves literal because they do not flank a word (`** Name **`, `*https://x*`):
 * still markup to a reader. A `*` between spaces (`2 * 3`) or inside a word stays.
 */
function strayEmphasis(text: string): string {
  return text.replace(/\*\*+|(?<!\w)__+|__+(?!\w)/g, '').replace(/(?<=^|\s)[*_](?!\s)|(?<!\s)[*_](?=$|\s|[.,;:!?)])/g, '');
}
