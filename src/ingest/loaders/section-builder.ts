import type { BlockKind, Link, Section, TextBlock } from '../../types.js';

/** A run of clean text and, when known, the source offset its first character came from. */
export interface Piece {
  text: string;
  source?: number;
}

export interface SectionBuilder {
  /** Starts a new section under this heading (1 = outermost). */
  heading(level: number, title: string): void;
  /** Appends a block; pieces are joined as they are (callers normalise whitespace). */
  block(kind: BlockKind, pieces: Piece[], links?: Link[], sourceEnd?: number): void;
  sections(): Section[];
}

/**
 * Collects clean blocks into heading-delimited sections, keeping a source map from clean-text offsets to
 * source offsets so chunks can point into the original file. Shared by the Markdown and HTML paths.
 */
export function createSectionBuilder(): SectionBuilder {
  const done: Section[] = [];
  const path: Array<{ level: number; title: string }> = [];
  let current = fresh([]);

  function fresh(headingPath: string[]) {
    return { text: '', blocks: [] as TextBlock[], sourceMap: [] as Array<[number, number]>, headingPath };
  }
  const flush = () => {
    if (!current.blocks.length) return;
    const first = current.sourceMap[0]?.[1] ?? 0;
    done.push({ text: current.text, headingPath: current.headingPath, charStart: first, blocks: current.blocks, sourceMap: current.sourceMap });
  };

  return {
    heading(level, title) {
      flush();
      while (path.length && path.at(-1)!.level >= level) path.pop();
      if (title) path.push({ level, title });
      current = fresh(path.map((h) => h.title));
    },
    block(kind, pieces, links = [], sourceEnd) {
      const text = pieces.map((p) => p.text).join('');
      const lead = text.length - text.trimStart().length;
      const body = text.trim();
      if (!body) return;
      const previous = current.blocks.at(-1);
      if (previous) current.text += previous.kind === kind && (kind === 'list-item' || kind === 'table-row') ? '\n' : '\n\n';
      const start = current.text.length;
      let at = 0;
      for (const p of pieces) {
        const clean = Math.max(0, at - lead);
        if (p.source !== undefined && clean < body.length) {
          const last = current.sourceMap.at(-1);
          const source = p.source + Math.max(0, lead - at);
          if (!last || (source >= last[1] && start + clean > last[0])) current.sourceMap.push([start + clean, source]);
          else if (last[0] === start + clean && source >= last[1]) last[1] = source;
        }
        at += p.text.length;
      }
      current.text += body;
      const wanted = links.filter((l) => l.url && !/^(javascript|data|vbscript):/i.test(l.url));
      current.blocks.push({ kind, start, end: current.text.length, ...(wanted.length ? { links: wanted } : {}), ...(sourceEnd !== undefined ? { sourceEnd } : {}) });
    },
    sections() {
      flush();
      current = fresh(path.map((h) => h.title));
      return done;
    },
  };
}

/** Collapses whitespace runs (line breaks included) to one space: prose reads as one paragraph. */
export function collapseSpaces(text: string): string {
  return text.replace(/[ \t\r\n\f\v\u00a0]+/g, ' ');
}

/**
 * Appends text to a block's pieces, collapsing whitespace (unless `verbatim`) and never doubling a space
 * across piece boundaries; `source` is where `raw` starts in the source.
 */
export function pushText(pieces: Piece[], raw: string, source?: number, verbatim = false): void {
  let text = verbatim ? raw : collapseSpaces(raw);
  let from = source;
  const before = lastChar(pieces);
  if (!verbatim && (before === undefined || before === ' ' || before === '\n')) {
    const stripped = text.replace(/^ +/, '');
    if (from !== undefined) from += raw.length - raw.replace(/^\s+/, '').length;
    text = stripped;
  }
  if (!text) return;
  pieces.push(from === undefined ? { text } : { text, source: from });
}

/** A line break inside a block (a Markdown hard break, an HTML <br>); trailing spaces before it are dropped. */
export function pushBreak(pieces: Piece[]): void {
  const last = pieces.at(-1);
  if (last) last.text = last.text.replace(/ +$/, '');
  if (lastChar(pieces) !== undefined && lastChar(pieces) !== '\n') pieces.push({ text: '\n' });
}

function lastChar(pieces: Piece[]): string | undefined {
  for (let i = pieces.length - 1; i >= 0; i--) {
    const t = pieces[i]!.text;
    if (t) return t[t.length - 1];
  }
  return undefined;
}
