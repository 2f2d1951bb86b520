import type { Source } from '../types.js';
import { resolveMarker } from './parse-citations.js';

const MARKER_BODY = /^\[((?:sources?\s*)?\d+(?:\s*[-–,]\s*(?:sources?\s*)?\d+)*)\]$/i;
const MAX_MARKER_CHARS = 60;

/**
 * Renumbers citation markers while an answer streams, in order of first citation — the numbering
 * `renumberCitations` gives the finished answer — so the text a reader watches arrive already says [1], [2].
 * A marker is held back until it closes (and one character more, since "[1](…)" is a link, not a marker);
 * markers to no source are dropped, as `parseCitations` drops them; code spans pass through untouched.
 */
export function createStreamRenumberer(sources: Source[]) {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const renumber = new Map<number, number>();
  let pending = '';
  let closed = false;
  let fence = false;
  let inline = false;
  let ticks = 0;

  const marker = (text: string): string => {
    const body = MARKER_BODY.exec(text)?.[1];
    if (body === undefined) return text;
    const ns = resolveMarker(body, byN).ns.map((n) => renumber.get(n) ?? renumber.set(n, renumber.size + 1).get(n)!);
    return ns.length ? `[${[...new Set(ns)].sort((a, b) => a - b).join(', ')}]` : '';
  };

  const push = (text: string): string => {
    let out = '';
    for (const ch of text) {
      if (pending) {
        if (closed) {
          out += ch === '(' ? pending : marker(pending);
          pending = '';
          closed = false;
        } else {
          pending += ch;
          if (ch === ']') closed = true;
          else if (ch === '\n' || pending.length > MAX_MARKER_CHARS) {
            out += pending;
            pending = '';
          }
          continue;
        }
      }
      if (ch === '`') {
        ticks++;
        out += ch;
        continue;
      }
      if (ticks) {
        if (ticks >= 3) fence = !fence;
        else if (!fence) inline = !inline;
        ticks = 0;
      }
      if (ch === '[' && !fence && !inline) pending = ch;
      else out += ch;
    }
    return out;
  };

  const end = (): string => {
    const out = closed ? marker(pending) : pending;
    pending = '';
    closed = false;
    return out;
  };

  return { push, end };
}
