import { createHash } from 'node:crypto';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { CHARS_PER_TOKEN, estimateTokens } from '../text/estimate-tokens.js';
import type { ChunkDraft, LoadedDocument } from '../types.js';

/** Bump when chunk boundaries or index text change for the same settings: documents are then re-chunked. */
export const CHUNKER_VERSION = 1;

export interface ChunkingOptions {
  targetTokens: number;
  overlapTokens: number;
}

/** Recorded per document: a change re-processes exactly the documents built with other settings. */
export function chunkerKey({ targetTokens, overlapTokens }: ChunkingOptions): string {
  return `v${CHUNKER_VERSION}:${targetTokens}:${overlapTokens}`;
}


/**
 * Structure first (sections from the loader: headings, pages), then size: each section is split into chunks
 * of about `targetTokens` with `overlapTokens` of overlap. Every chunk keeps page, heading path and
 * character offsets into the document's extracted text.
 */
export async function chunkDocument(doc: LoadedDocument, options: ChunkingOptions): Promise<ChunkDraft[]> {
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: options.targetTokens * CHARS_PER_TOKEN,
    chunkOverlap: Math.min(options.overlapTokens, options.targetTokens - 1) * CHARS_PER_TOKEN,
    separators: ['\n\n', '\n', '. ', '? ', '! ', '; ', ', ', ' ', ''],
    keepSeparator: true,
  });
  const drafts: ChunkDraft[] = [];
  for (const section of doc.sections) {
    for (const window of windows(section.text, WINDOW_CHARS)) {
      const size = options.targetTokens * CHARS_PER_TOKEN;
      const pieces =
        window.text.length <= size ? [window.text.trim()]
        : /\s/.test(window.text) ? await splitter.splitText(window.text)
        : hardSlices(window.text, size, options.overlapTokens * CHARS_PER_TOKEN); // no separator to respect
      let cursor = 0;
      for (const raw of pieces) {
        const text = raw.trim();
        if (!text) continue;
        // Pieces are substrings of the window in order; overlap means the next one may start before `cursor`.
        let at = window.text.indexOf(text, Math.max(0, cursor - options.overlapTokens * CHARS_PER_TOKEN - 1));
        if (at < 0) at = Math.max(0, window.text.indexOf(text.slice(0, 40)));
        cursor = at + text.length;
        const start = section.charStart + window.offset + at;
        const indexText = contextHeader(doc.title, section.headingPath, text) + text;
        drafts.push({
          ordinal: drafts.length,
          text,
          indexText,
          textHash: createHash('sha256').update(indexText).digest('hex').slice(0, 32),
          ...(section.page !== undefined ? { page: section.page } : {}),
          headingPath: section.headingPath,
          charStart: start,
          charEnd: start + text.length,
          tokenEstimate: estimateTokens(indexText),
        });
      }
    }
  }
  return drafts;
}

// The recursive splitter's cost grows badly on huge separator-poor text (a 20 MB single line falls through to
// per-character splitting), so sections are first cut into windows at whitespace; the window edge costs one overlap.
const WINDOW_CHARS = 64 * 1024;

function* windows(text: string, size: number): Generator<{ text: string; offset: number }> {
  let offset = 0;
  while (text.length - offset > size) {
    let end = offset + size;
    const space = text.lastIndexOf(' ', end);
    const newline = text.lastIndexOf('\n', end);
    const cut = Math.max(space, newline);
    if (cut > offset + size / 2) end = cut + 1;
    yield { text: text.slice(offset, end), offset };
    offset = end;
  }
  yield { text: text.slice(offset), offset };
}

function hardSlices(text: string, size: number, overlap: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size - overlap) out.push(text.slice(i, i + size));
  return out;
}

/** Title and heading path in front of the chunk text, so a chunk about "Notice" under "Leaving the company" can be found by either. */
function contextHeader(title: string | undefined, headingPath: string[], text: string): string {
  const parts = [title, ...headingPath].filter((p): p is string => !!p && !text.startsWith(p) && !text.startsWith(`# ${p}`));
  const unique = parts.filter((p, i) => parts.indexOf(p) === i);
  return unique.length ? `${unique.join(' > ')}\n\n` : '';
}
