/**
 * C0 and C1 controls (ESC starts terminal sequences: `\x1b]0;…\x07` retitles the window), DEL, and the bidi
 * controls that reorder what is shown (Trojan Source, CVE-2021-42574). Newline and tab stay: text has lines.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** File names and document text as the terminal should show them: every unsafe character as a visible `\u{…}`. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
