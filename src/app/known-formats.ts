import type { DocumentFormat } from '../types.js';

/** Document formats the loaders read, as filters and listings name them. */
export const KNOWN_FORMATS: readonly DocumentFormat[] = ['markdown', 'text', 'html', 'pdf', 'docx'];

export function isKnownFormat(value: string): value is DocumentFormat {
  return (KNOWN_FORMATS as readonly string[]).includes(value);
}
