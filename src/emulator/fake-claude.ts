import { analyzeTerms } from '../text/analyze-terms.js';
import type { ChatTurn } from '../types.js';

export const NO_ANSWER = 'The sources do not contain the answer.';

/**
 * A deterministic stand-in for Claude in grounded question answering: it quotes the 1–3 source sentences that
 * share the most content words with the question, each followed by its ` [n]` marker, or says the sources do not
 * contain the answer. A system prompt about a "standalone" query gets a rewrite instead: the last question
 * followed by the user turn before it.
 */
export function fakeClaudeReply({ system, turns }: { system: string; turns: ChatTurn[] }): string {
  const userTexts = turns.filter((t) => t.role === 'user').map((t) => questionText(t.content));
  const question = userTexts.at(-1) ?? '';
  if (/standalone/i.test(system)) {
    // Earlier turns come as messages, or quoted as "User: ..." lines inside one message.
    const previous = userTexts.at(-2) ?? [...(turns.at(-1)?.content ?? '').matchAll(/^User:[ \t]*(.+)$/gm)].at(-1)?.[1];
    return [question, previous].filter(Boolean).join(' ');
  }
  const sources = findSources([system, ...turns.map((t) => t.content)].join('\n'));
  return answerFromSources(question, sources);
}

/** Word groups that concatenate back to `text`, for streaming it in several deltas. */
export function splitIntoDeltas(text: string, wordsPerDelta = 3): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const deltas: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) deltas.push(words.slice(i, i + wordsPerDelta).join(''));
  return deltas;
}

interface Source {
  n: string;
  text: string;
}

/** `<source n="1" ...>text</source>` blocks (our prompt builder's format), else `[1] text` paragraphs. */
export function findSources(text: string): Source[] {
  const tagged = [...text.matchAll(/<source\b([^>]*)>([\s\S]*?)<\/source>/g)].flatMap((m) => {
    const n = /\b(?:n|id|index)="?(\d+)"?/.exec(m[1] ?? '')?.[1];
    return n ? [{ n, text: m[2] ?? '' }] : [];
  });
  if (tagged.length > 0) return tagged;
  return [...text.matchAll(/^\[(\d+)\][ \t]*(.*(?:\n(?!\[\d+\]|\s*\n).+)*)/gm)].map((m) => ({ n: m[1]!, text: m[2] ?? '' }));
}

/** The paragraph after the last "Question:" label, or the message without its source blocks. */
function questionText(message: string): string {
  const marker = [...message.matchAll(/^\s*(?:follow-up question|question)\s*:\s*/gim)].at(-1);
  if (marker?.index !== undefined) return message.slice(marker.index + marker[0].length).split(/\n\s*\n/)[0]!.trim();
  return message.replace(/<source\b[\s\S]*?<\/source>/g, '').replace(/^\[\d+\].*$/gm, '').trim();
}

function answerFromSources(question: string, sources: Source[]): string {
  const wanted = new Set(analyzeTerms(question));
  const candidates = sources.flatMap((source) =>
    splitSentences(source.text).map((sentence) => ({
      n: source.n,
      sentence,
      score: new Set(analyzeTerms(sentence).filter((t) => wanted.has(t))).size,
    })),
  );
  const best = Math.max(0, ...candidates.map((c) => c.score));
  if (best === 0) return NO_ANSWER;
  // Stable sort keeps source order among equal scores; weaker matches than half the best are noise.
  const picked = candidates
    .filter((c) => c.score * 2 >= best)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3);
  return picked.map((c) => `${c.sentence} [${c.n}]`).join(' ');
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}
