import { createHash } from 'node:crypto';
import { CHARS_PER_TOKEN, estimateTokens } from '../text/estimate-tokens.js';
import type { ChunkBlock, ChunkDraft, Link, LoadedDocument, Section, TextBlock } from '../types.js';
import { splitBlock, type Unit } from './split-block.js';
import { TEXT_PIPELINE_VERSION } from './text-pipeline-version.js';

/** Bump when chunk boundaries or index text change for the same settings: documents are then re-chunked. */
export const CHUNKER_VERSION = 2;

export interface ChunkingOptions {
  targetTokens: number;
  overlapTokens: number;
}

/**
 * Recorded per document: a change of settings, of the chunker or of the text pipeline re-processes exactly
 * the documents built otherwise. `pipelineVersion` is for tests that simulate an upgrade.
 */
export function chunkerKey({ targetTokens, overlapTokens }: ChunkingOptions, pipelineVersion = TEXT_PIPELINE_VERSION): string {
  return `v${CHUNKER_VERSION}:p${pipelineVersion}:${targetTokens}:${overlapTokens}`;
}

/**
 * Structure first (sections from the loader: headings, pages, blocks), then size: a section's blocks are
 * packed into chunks of about `targetTokens`, cut only between blocks or sentences (code between lines), with
 * about `overlapTokens` of whole units repeated. Every chunk keeps page, heading path, block kinds, link
 * targets and character offsets into the source. Chunks without a letter or digit are not produced.
 */
export async function chunkDocument(doc: LoadedDocument, options: ChunkingOptions): Promise<ChunkDraft[]> {
  const size = options.targetTokens * CHARS_PER_TOKEN;
  const overlap = Math.min(options.overlapTokens, options.targetTokens - 1) * CHARS_PER_TOKEN;
  const drafts: ChunkDraft[] = [];
  for (const section of doc.sections) {
    const blocks = section.blocks ?? paragraphs(section.text);
    const units = blocks.flatMap((b) => splitBlock(section.text, b.kind, b.start, b.end, size));
    const context = contextHeader(doc.title, section.headingPath);
    for (const [from, to] of pack(units, size, overlap)) {
      const text = section.text.slice(from, to);
      if (!/[\p{L}\p{N}]/u.test(text)) continue;
      const inChunk = blocksIn(blocks, from, to);
      const kinds: ChunkBlock[] = inChunk.map((b) => ({ kind: b.kind, start: Math.max(b.start, from) - from, end: Math.min(b.end, to) - from }));
      const links = uniqueLinks(inChunk.flatMap((b) => b.links ?? []).filter((l) => text.includes(l.text)));
      const indexText = context ? `${context}\n\n${text}` : text;
      // A table row is rewritten ("Name — Header: value"), so a piece of one maps to the whole row's source.
      const first = inChunk[0];
      const last = inChunk.at(-1);
      const charStart = toSource(section, first?.kind === 'table-row' ? first.start : from);
      const charEnd = last?.sourceEnd !== undefined && (last.end === to || last.kind === 'table-row') ? last.sourceEnd : toSource(section, to - 1) + 1;
      drafts.push({
        ordinal: drafts.length,
        text,
        indexText,
        context,
        textHash: createHash('sha256').update(indexText).digest('hex').slice(0, 32),
        ...(section.page !== undefined ? { page: section.page } : {}),
        headingPath: section.headingPath,
        charStart,
        charEnd: Math.max(charStart, charEnd),
        tokenEstimate: estimateTokens(indexText),
        ...(kinds.some((b) => b.kind !== 'text') ? { blocks: kinds } : {}),
        ...(links.length ? { links } : {}),
      });
    }
  }
  return drafts;
}

/** Greedy packing of units into [start, end) ranges of at most `size` (a longer unit stands alone). */
function pack(units: Unit[], size: number, overlap: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < units.length) {
    let j = i;
    while (j + 1 < units.length && units[j + 1]!.end - units[i]!.start <= size) j++;
    out.push([units[i]!.start, units[j]!.end]);
    if (j + 1 >= units.length) break;
    let k = j + 1;
    while (k - 1 > i && units[j]!.end - units[k - 1]!.start <= overlap) k--;
    i = k;
  }
  return out;
}

/** Plain text's blocks: its blank-line-separated paragraphs, offsets trimmed to the words. */
function paragraphs(text: string): TextBlock[] {
  const out: TextBlock[] = [];
  const re = /\S(?:[\s\S]*?\S)?(?=\s*\n[ \t]*\n|\s*$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ kind: 'text', start: m.index, end: m.index + m[0].length });
  return out;
}

/** Where a clean-text offset of the section came from in the source (exact for verbatim text). */
function toSource(section: Section, offset: number): number {
  const map = section.sourceMap;
  if (!map?.length) return section.charStart + offset;
  let lo = 0;
  let hi = map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map[mid]![0] <= offset) lo = mid;
    else hi = mid - 1;
  }
  const [clean, source] = map[lo]!;
  const next = map[lo + 1]?.[1];
  const mapped = source + Math.max(0, offset - clean);
  return next !== undefined ? Math.min(mapped, Math.max(source, next - 1)) : mapped;
}

/** The blocks overlapping [from, to), found by binary search: a section can hold thousands of blocks. */
function blocksIn(blocks: TextBlock[], from: number, to: number): TextBlock[] {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (blocks[mid]!.end > from) hi = mid;
    else lo = mid + 1;
  }
  const out: TextBlock[] = [];
  for (let i = lo; i < blocks.length && blocks[i]!.start < to; i++) out.push(blocks[i]!);
  return out;
}

function uniqueLinks(links: Link[]): Link[] {
  const seen = new Set<string>();
  return links.filter((l) => !seen.has(`${l.text}\n${l.url}`) && seen.add(`${l.text}\n${l.url}`));
}

/** Title, then the heading path, each once: the first heading usually repeats the title. */
export function contextHeader(title: string | undefined, headingPath: string[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const part of [title, ...headingPath]) {
    const clean = part?.replace(/\s+/g, ' ').trim();
    const key = clean?.toLowerCase();
    // "Incident Severity Levels" under the title "Incident Severity Levels - Handbook" says nothing new.
    if (!key || [...seen].some((s) => s.startsWith(key))) continue;
    seen.add(key);
    parts.push(clean!);
  }
  return parts.join(' > ');
}
