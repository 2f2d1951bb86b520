/**
 * A whole number with comma thousands separators, as `n.toLocaleString('en-US')` writes it ("2,149,895"), without
 * its cost: the first toLocaleString in a process loads ICU locale data (about 20 ms), which a `kb index` that
 * changed one file would pay just to print its summary. Anything but a safe integer goes to toLocaleString.
 */
export function groupThousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${out}` : out;
}
