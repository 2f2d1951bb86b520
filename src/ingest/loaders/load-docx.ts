import { LoadError } from '../../errors.js';
import type { LoadedDocument } from '../../types.js';
import { checkZipInflation } from './check-zip-inflation.js';
import { htmlToSections } from './html-to-sections.js';

/** Word files through mammoth's HTML, so headings become sections like any HTML page. */
export async function loadDocx(path: string, data: Buffer, { maxInflatedBytes }: { maxInflatedBytes: number }): Promise<LoadedDocument> {
  await checkZipInflation(path, data, maxInflatedBytes);
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    // Images are not text: leaving them out keeps mammoth from inflating and base64-encoding every picture.
    const options = { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) };
    html = (await mammoth.convertToHtml({ buffer: data }, options)).value;
  } catch (error) {
    throw new LoadError(path, `not a valid .docx file (${(error as Error).message.split('\n')[0]})`, { code: 'DOCX_INVALID', cause: error });
  }
  const { title, sections } = htmlToSections(`<body>${html}</body>`);
  return { format: 'docx', ...(title ? { title } : {}), tags: [], metadata: {}, sections, warnings: [] };
}
