/**
 * Whether a page's text layer is garbage: a font without a Unicode mapping yields glyph codes such as
 * `"7+%-` instead of words. Readable text is mostly word-like tokens (letters, with a vowel when Latin)
 * and numbers; a page where about a third of the characters or fewer are in such tokens is not worth indexing
 * (real pages measured 0.5 or more, math-heavy ones included; glyph codes and bare bullets 0.25 or less).
 */
export function isUnreadableText(text: string): boolean {
  return readableShare(text) < 0.35;
}

/** Share of the non-space characters that are in words or numbers (punctuation around them not counted). */
export function readableShare(text: string): number {
  const tokens = text.split(/\s+/).filter(Boolean);
  const total = tokens.reduce((n, t) => n + t.length, 0);
  if (!total) return 0;
  return tokens.reduce((n, t) => n + readableLength(t), 0) / total;
}

function readableLength(token: string): number {
  const core = token.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
  if (!core) return 0;
  if (/^[$€£]?\d[\d.,:/-]*%?$/u.test(core)) return core.length;
  const letters = core.match(/\p{L}/gu)?.length ?? 0;
  if (letters < core.length / 2) return 0;
  // Latin words have vowels; glyph codes read as letters ("Xq", "Rvw") mostly do not. Other scripts count.
  const latin = core.replace(/[^a-z]/gi, '');
  return latin.length <= 3 || /[aeiouy]/i.test(latin) ? core.length : 0;
}
