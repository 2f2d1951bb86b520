/**
 * Sentences of a passage, verbatim, in order. Line breaks end a sentence too (list items, table rows,
 * headings). Abbreviations like "e.g." and numbers like "3.5" do not split.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const parts = trimmed.split(/(?<=[.!?]["')\]]?)\s+(?=["'(\[]?[A-Z0-9])/);
    let carry = '';
    for (const part of parts) {
      const candidate = carry ? `${carry} ${part}` : part;
      if (/\b(e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|No|approx|incl)\.$/i.test(part)) {
        carry = candidate;
        continue;
      }
      out.push(candidate);
      carry = '';
    }
    if (carry) out.push(carry);
  }
  return out;
}
