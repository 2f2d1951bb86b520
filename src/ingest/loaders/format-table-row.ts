/**
 * A table row as a fact that stands alone: "Maximum size of a single document — Default: 50 MB" when the
 * first cell names the row, "Year: 2023; Revenue: 5 M" when it is a number or a date. Empty cells are left
 * out; a row without any header names is its cells joined by "; ".
 */
export function formatTableRow(headers: string[], cells: string[]): string {
  const pairs = cells.map((cell, i) => ({ header: headers[i]?.trim() ?? '', cell: cell.trim() })).filter((p) => p.cell);
  if (!pairs.length) return '';
  const labelled = (p: { header: string; cell: string }) => (p.header && p.header !== p.cell ? `${p.header}: ${p.cell}` : p.cell);
  const [first, ...rest] = pairs;
  if (!rest.length) return labelled(first!);
  const names = cells[0]?.trim() === first!.cell && /\p{L}/u.test(first!.cell) && !headers.every((h) => !h.trim());
  return names ? `${first!.cell} — ${rest.map(labelled).join('; ')}` : pairs.map(labelled).join('; ');
}
