/** About 1.3 tokens per word, the usual rule of thumb for English; the emulator only needs plausible counts. */
export function estimateTokens(text: string): number {
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.ceil(words * 1.3);
}
