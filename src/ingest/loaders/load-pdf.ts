import { LoadError } from '../../errors.js';
import type { LoadedDocument, Section } from '../../types.js';

/** One section per page, page numbers kept. Pages without a text layer are reported, never indexed as empty. */
export async function loadPdf(path: string, data: Uint8Array): Promise<LoadedDocument> {
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data, verbosity: 0 });
  try {
    // getText first: a failed first load (e.g. a password) detaches the data, so a second call would hide the cause.
    const result = await parser.getText();
    const info = await parser.getInfo().catch(() => undefined);
    const sections: Section[] = [];
    const scanned: number[] = [];
    let offset = 0;
    for (const page of result.pages) {
      const text = page.text.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').trim();
      if (text.replace(/\s/g, '').length < 3) scanned.push(page.num);
      else sections.push({ text, page: page.num, headingPath: [], charStart: offset });
      offset += text.length + 2;
    }
    if (sections.length === 0) {
      throw new LoadError(path, `no text layer on any of its ${result.pages.length} page(s) (a scanned PDF?); run OCR on it first`, { code: 'PDF_NO_TEXT' });
    }
    const warnings = scanned.length ? [`page${scanned.length > 1 ? 's' : ''} ${compactRanges(scanned)} ha${scanned.length > 1 ? 've' : 's'} no text layer (scanned?) and ${scanned.length > 1 ? 'were' : 'was'} not indexed`] : [];
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
