import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 as prng } from '../src/seeded-random.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tor', 'vel', 'sa', 'qui', 'dor', 'fen', 'gal', 'hum', 'jor', 'bex', 'nil', 'pra', 'sto', 'tin', 'ulm', 'vor', 'wex', 'yan', 'zel', 'cor'];

/** `size` distinct made-up words, most frequent first. */
export function vocabulary(size: number): string[] {
  const words: string[] = [];
  for (const a of SYLLABLES) for (const b of SYLLABLES) for (const c of ['', ...SYLLABLES]) words.push(a + b + c);
  const rand = prng(3);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  return words.slice(0, size);
}

/**
 * Markdown documents whose words follow Zipf's law (frequency ~ 1/rank), as in real text: a few words are in
 * every chunk, most are rare. A uniform vocabulary (bench/generate-corpus.ts) makes every query term match
 * nearly every chunk, which is the worst case for BM25 rather than a typical one.
 */
export function generateZipfCorpus(dir: string, { files = 4500, bytesPerFile = 2500, vocabularySize = 12_000, seed = 7 } = {}): { bytes: number; words: string[] } {
  const rand = prng(seed);
  const words = vocabulary(vocabularySize);
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= words.length; rank++) cumulative.push((total += 1 / rank ** 1.07));
  const pick = (): string => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const sub = join(dir, String(Math.floor(i / 250)));
    mkdirSync(sub, { recursive: true });
    let text = `# ${pick()} ${pick()} note ${i}\n\n`;
    let section = 0;
    while (text.length < bytesPerFile) {
      if (rand() < 0.25) text += `\n## ${pick()} ${pick()} ${++section}\n\n`;
      const sentence = Array.from({ length: 8 + Math.floor(rand() * 14) }, pick).join(' ');
      text += `${sentence[0]!.toUpperCase()}${sentence.slice(1)}. `;
      if (rand() < 0.2) text += '\n\n';
    }
    writeFileSync(join(sub, `note-${i}.md`), text);
    bytes += Buffer.byteLength(text);
  }
  return { bytes, words };
}
