import { LoadError } from '../../errors.js';
import type { LoadedDocument } from '../../types.js';
import { htmlToSections } from './html-to-sections.js';

/** Word files through mammoth's HTML, so headings become sections like any HTML page. */
export async function loadDocx(path: string, data: Buffer): Promise<LoadedDocument> {
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: data })).value;
  } catch (error) {
    throw new LoadError(path, `not a valid .docx file (${(error as Error).message.split('\n')[0]})`, { code: 'DOCX_INVALID', cause: error });
  }
  const { title, sections } = htmlToSections(`<body>${html}</body>`);
  return { format: 'docx', ...(title ? { title } : {}), tags: [], metadata: {}, sections, warnings: [] };
}
