import { extname } from 'node:path';
import { LoadError } from '../../errors.js';
import type { DocumentFormat, LoadedDocument } from '../../types.js';

export const FORMAT_BY_EXTENSION: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

export function formatOf(path: string): DocumentFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

export interface LoadLimits {
  /** Most bytes a zipped format (.docx) may unpack to. */
  maxInflatedBytes: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxInflatedBytes: 100 * 1024 * 1024 };

/**
 * Parses one file's bytes by its extension. Throws LoadError naming the file and the reason. Each format's parser
 * is imported on first use: a run with nothing to parse (the usual incremental one) never loads them.
 */
export async function loadDocument(path: string, data: Buffer, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<LoadedDocument> {
  const format = formatOf(path);
  if (!format) throw new LoadError(path, `unsupported file type ${extname(path) || '(none)'}`, { code: 'UNSUPPORTED' });
  if (data.length === 0) throw new LoadError(path, 'the file is empty', { code: 'EMPTY' });
  let doc: LoadedDocument;
  if (format === 'pdf') {
    doc = await (await import('./load-pdf.js')).loadPdf(path, new Uint8Array(data));
  } else if (format === 'docx') {
    doc = await (await import('./load-docx.js')).loadDocx(path, data, limits);
  } else {
    const text = decodeText(path, data);
    if (format === 'markdown') doc = await markdown(path, text);
    else if (format === 'html') doc = { format, metadata: {}, warnings: [], ...(await import('./html-to-sections.js')).htmlToSections(text) };
    else doc = { format, tags: [], metadata: {}, warnings: [], sections: [{ text, headingPath: [], charStart: 0 }] };
  }
  if (!doc.sections.some((s) => s.text.trim())) throw new LoadError(path, 'no text could be extracted (the document is empty)', { code: 'EMPTY' });
  return doc;
}

async function markdown(path: string, text: string): Promise<LoadedDocument> {
  const [{ loadMarkdown }, { FrontMatterError }] = await Promise.all([import('./load-markdown.js'), import('./parse-front-matter.js')]);
  try {
    return await loadMarkdown(text);
  } catch (error) {
    if (error instanceof FrontMatterError) throw new LoadError(path, error.reason, { code: error.code });
    throw error;
  }
}

function decodeText(path: string, data: Buffer): string {
  const head = data.subarray(0, 8192);
  if (head.includes(0)) throw new LoadError(path, 'looks like a binary file (it contains NUL bytes), not text', { code: 'BINARY' });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data).replace(/\r\n?/g, '\n');
  } catch (error) {
    throw new LoadError(path, 'is not valid UTF-8 text; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8)', { code: 'BAD_ENCODING', cause: error });
  }
}
