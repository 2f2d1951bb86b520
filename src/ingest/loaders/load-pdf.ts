import { LoadError } from '../../errors.js';
import type { LoadedDocument, Section, TextBlock } from '../../types.js';
import { isUnreadableText } from './is-unreadable-text.js';
import { reflowPdfPages } from './reflow-pdf-pages.js';

/**
 * One section per page, page numbers kept, text reflowed into paragraphs (see reflowPdfPages). Pages without
 * a text layer, or with an unreadable one, are reported, never indexed as empty or as garbage.
 */
export async function loadPdf(path: string, data: Uint8Array): Promise<LoadedDocument> {
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data, verbosity: 0 });
  try {
    // getText first: a failed first load (e.g. a password) detaches the data, so a second call would hide the cause.
    const result = await parser.getText();
    const info = await parser.getInfo().catch(() => undefined);
    const sections: Section[] = [];
    const scanned: number[] = [];
    const unreadable: number[] = [];
    const usable: Array<{ num: number; text: string }> = [];
    for (const page of result.pages) {
      const text = page.text.replace(/\r\n?/g, '\n');
      if (text.replace(/\s/g, '').length < 3) scanned.push(page.num);
      else if (isUnreadableText(text)) unreadable.push(page.num);
      else usable.push({ num: page.num, text });
    }
    if (usable.length === 0) {
      const why = unreadable.length
        ? `no usable text on any of its ${result.pages.length} page(s): ${scanned.length ? 'some have no text layer, ' : ''}the text layer is unreadable (a font without a Unicode mapping?)`
        : `no text layer on any of its ${result.pages.length} page(s) (a scanned PDF?)`;
      throw new LoadError(path, `${why}; run OCR on it first`, { code: 'PDF_NO_TEXT' });
    }
    // Offsets are into the reflowed text of the usable pages, each page's paragraphs followed by a blank line.
    let offset = 0;
    reflowPdfPages(usable.map((p) => p.text)).forEach((paragraphs, i) => {
      const blocks: TextBlock[] = [];
      let text = '';
      for (const paragraph of paragraphs) {
        if (text) text += '\n\n';
        blocks.push({ kind: 'text', start: text.length, end: text.length + paragraph.length });
        text += paragraph;
      }
      if (text) sections.push({ text, page: usable[i]!.num, headingPath: [], charStart: offset, blocks });
      offset += text.length + 2;
    });
    const warnings = [
      ...(scanned.length ? [`page${scanned.length > 1 ? 's' : ''} ${compactRanges(scanned)} ha${scanned.length > 1 ? 've' : 's'} no text layer (scanned?) and ${scanned.length > 1 ? 'were' : 'was'} not indexed`] : []),
      ...(unreadable.length ? [`page${unreadable.length > 1 ? 's' : ''} ${compactRanges(unreadable)} ha${unreadable.length > 1 ? 've' : 's'} an unreadable text layer (a font without a Unicode mapping?) and ${unreadable.length > 1 ? 'were' : 'was'} not indexed; run OCR on ${unreadable.length > 1 ? 'them' : 'it'}`] : []),
    ];
    const rawTitle = (info?.info as { Title?: unknown } | undefined)?.Title;
    const title = typeof rawTitle === 'string' && rawTitle.trim() ? rawTitle.trim() : undefined;
    return { format: 'pdf', ...(title ? { title } : {}), tags: [], metadata: { pages: result.pages.length }, sections, warnings };
  } catch (error) {
    if (error instanceof LoadError) throw error;
    const name = (error as Error)?.name ?? '';
    if (name === 'PasswordException' || /password/i.test((error as Error)?.message ?? '')) throw new LoadError(path, 'the PDF is encrypted with a password; decrypt it (e.g. qpdf --decrypt) to index it', { code: 'PDF_ENCRYPTED', cause: error });
    if (name === 'InvalidPDFException' || name === 'FormatError') throw new LoadError(path, `not a valid PDF or the file is damaged (${(error as Error).message})`, { code: 'PDF_INVALID', cause: error });
    throw new LoadError(path, `the PDF could not be parsed (${(error as Error)?.message ?? error})`, { code: 'PDF_FAILED', cause: error });
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

function compactRanges(nums: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < nums.length; i++) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    out.push(j > i ? `${nums[i]}-${nums[j]}` : String(nums[i]));
    i = j;
  }
  return out.join(', ');
}
