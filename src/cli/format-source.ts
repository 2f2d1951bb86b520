/** "hr/leave.md, p. 3 › Notice period": where a source is, for people. */
export function formatLocation(s: { path: string; page?: number; heading?: string }): string {
  return `${s.path}${s.page !== undefined ? `, p. ${s.page}` : ''}${s.heading ? ` › ${s.heading}` : ''}`;
}

export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
