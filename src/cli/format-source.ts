import { escapeTerminal } from './escape-terminal.js';

/** "hr/leave.md, p. 3 › Notice period": where a source is, for people (escaped for the terminal). */
export function formatLocation(s: { path: string; page?: number; heading?: string }): string {
  return escapeTerminal(`${s.path}${s.page !== undefined ? `, p. ${s.page}` : ''}${s.heading ? ` › ${s.heading}` : ''}`);
}

/** Text on one line, cut at `max` characters, escaped for the terminal. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return escapeTerminal(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}
