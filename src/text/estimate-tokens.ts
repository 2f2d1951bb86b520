// Token counts are estimated at 4 characters per token (English prose with BPE tokenizers lands at 3.5-4.5);
// exact counts would need each provider's tokenizer, which we do not ship.
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
