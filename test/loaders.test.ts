import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../src/errors.js';
import { chunkDocument } from '../src/ingest/chunk-document.js';
import { loadDocument } from '../src/ingest/loaders/load-document.js';
import type { ChunkDraft, LoadedDocument } from '../src/types.js';
import { DATA_DIR } from './temp-dir.js';

const PDF_PATH = 'security/information-security-policy.pdf';

function dataFile(rel: string): Buffer {
  return readFileSync(join(DATA_DIR, rel));
}

async function load(rel: string): Promise<LoadedDocument> {
  return loadDocument(`data/${rel}`, dataFile(rel));
}

/** The LoadError `loadDocument` rejects with; fails the test if it resolves or throws anything else. */
async function loadError(path: string, data: Buffer): Promise<LoadError> {
  const error = await loadDocument(path, data).then(
    (doc) => {
      throw new Error(`expected ${path} to fail, but it loaded ${doc.sections.length} section(s)`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadError);
  const loadErr = error as LoadError;
  expect(loadErr.path).toBe(path);
  expect(loadErr.reason.length).toBeGreaterThan(0);
  return loadErr;
}

/** A PDF written by pdfkit; `draw` fills each page (text, shapes or nothing). */
async function makePdf(pages: Array<(doc: PDFKit.PDFDocument) => void>, options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', ...options });
  const parts: Buffer[] = [];
  doc.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  pages.forEach((draw, i) => {
    if (i > 0) doc.addPage();
    draw(doc);
  });
  doc.end();
  await ended;
  return Buffer.concat(parts);
}
const rectangleOnly = (doc: PDFKit.PDFDocument) => void doc.rect(72, 72, 200, 120).fill('#336699');
const someText = (text: string) => (doc: PDFKit.PDFDocument) => void doc.fontSize(12).text(text, 72, 72);

describe('loadDocument on the sample data', () => {
  it('reads Markdown front matter as title and tags, and splits at headings', async () => {
    const doc = await load('hr/paid-time-off.md');
    expect(doc.format).toBe('markdown');
    expect(doc.title).toBe('Paid Time Off Policy');
    expect(doc.tags).toEqual(['hr', 'pto', 'vacation', 'holidays', 'sick-leave']);
    expect(doc.warnings).toEqual([]);
    const paths = doc.sections.map((s) => s.headingPath);
    expect(paths).toContainEqual(['Paid Time Off Policy', 'Vacation (PTO)']);
    expect(paths).toContainEqual(['Paid Time Off Policy', 'Vacation (PTO)', 'Carry-over']);
    expect(paths).toContainEqual(['Paid Time Off Policy', 'Sick leave']);
    // The front matter is not document text.
    expect(doc.sections.some((s) => s.text.includes('tags:'))).toBe(false);
    const vacation = doc.sections.find((s) => s.headingPath.at(-1) === 'Vacation (PTO)')!;
    expect(vacation.text).toContain('Full-time employees receive 25 days of paid time off per calendar year.');
  });

  it('turns HTML headings into heading paths and uses <title> as the title', async () => {
    const doc = await load('engineering/incident-severity-levels.html');
    expect(doc.format).toBe('html');
    expect(doc.title).toBe('Incident Severity Levels - Kestrel Peak Engineering');
    const sev1 = doc.sections.find((s) => s.headingPath.join(' > ') === 'Incident Severity Levels > SEV1 - Critical');
    expect(sev1, JSON.stringify(doc.sections.map((s) => s.headingPath))).toBeDefined();
    expect(sev1!.text).toContain('the status page is then updated every 30 minutes until the incident is resolved');
    // Markup and entities do not leak into the text.
    for (const s of doc.sections) expect(s.text).not.toMatch(/<\/?(p|li|ul|h\d)\b|&gt;|&amp;/);
  });

  it('reads a .txt file as one section of its exact text', async () => {
    const doc = await load('it/software-installation-policy.txt');
    expect(doc.format).toBe('text');
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]!.text).toBe(dataFile('it/software-installation-policy.txt').toString('utf8'));
    expect(doc.sections[0]!.charStart).toBe(0);
  });

  it('reads the 6-page PDF as one section per page, with page numbers 1..6', async () => {
    const doc = await load(PDF_PATH);
    expect(doc.format).toBe('pdf');
    expect(doc.warnings).toEqual([]);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3, 4, 5, 6]);
    const pagesWithFact = doc.sections.filter((s) => s.text.includes('at least 14 characters long')).map((s) => s.page);
    expect(pagesWithFact).toEqual([2]);
    // Offsets grow with the pages.
    const starts = doc.sections.map((s) => s.charStart);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(starts).size).toBe(6);
  });

  it('reads .docx headings as heading paths', async () => {
    const doc = await load('finance/travel-and-expenses-policy.docx');
    expect(doc.format).toBe('docx');
    expect(doc.title).toBe('Travel and Expenses Policy');
    const paths = doc.sections.map((s) => s.headingPath.join(' > '));
    expect(paths).toContain('Part A: Travel > Hotels');
    expect(paths).toContain('Part B: Expenses > Meals');
    const hotels = doc.sections.find((s) => s.headingPath.at(-1) === 'Hotels')!;
    expect(hotels.text).toContain('In high-cost cities the cap is $350 per night');
  });
});

describe('loadDocument failures', () => {
  it('a truncated PDF is PDF_INVALID', async () => {
    const pdf = dataFile(PDF_PATH);
    const error = await loadError('docs/truncated.pdf', pdf.subarray(0, Math.floor(pdf.length / 3)));
    expect(error.code).toBe('PDF_INVALID');
  });

  it('garbage behind a %PDF header is PDF_INVALID', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('this is not a PDF body at all\n'.repeat(40))]);
    const error = await loadError('docs/garbage.pdf', garbage);
    expect(error.code).toBe('PDF_INVALID');
  });

  it('a password-protected PDF is PDF_ENCRYPTED', async () => {
    const pdf = await makePdf([someText('Confidential salary bands.')], { userPassword: 'secret', ownerPassword: 'owner' });
    const error = await loadError('docs/locked.pdf', pdf);
    expect(error.code).toBe('PDF_ENCRYPTED');
  });

  it('a valid PDF whose page has no text layer is PDF_NO_TEXT', async () => {
    const pdf = await makePdf([rectangleOnly]);
    const error = await loadError('docs/scan.pdf', pdf);
    expect(error.code).toBe('PDF_NO_TEXT');
    expect(error.reason).toMatch(/OCR/);
  });

  it('a PDF with one page lacking text loads the others and warns about that page', async () => {
    const pdf = await makePdf([someText('Page one explains the badge policy.'), rectangleOnly, someText('Page three explains visitor access.')]);
    const doc = await loadDocument('docs/mixed.pdf', pdf);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 3]);
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatch(/page 2\b/);
  });

  it('an empty file is EMPTY, whatever its type', async () => {
    for (const name of ['empty.md', 'empty.txt', 'empty.html', 'empty.pdf', 'empty.docx']) {
      expect((await loadError(`docs/${name}`, Buffer.alloc(0))).code, name).toBe('EMPTY');
    }
  });

  it('a text file of only whitespace is EMPTY', async () => {
    expect((await loadError('docs/blank.md', Buffer.from('  \n\n\t\n'))).code).toBe('EMPTY');
  });

  it('a binary file named .txt is BINARY', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect((await loadError('docs/image.txt', png)).code).toBe('BINARY');
  });

  it('Latin-1 bytes in a .md file are BAD_ENCODING', async () => {
    const latin1 = Buffer.from('# Menu\n\nCaf\xe9 cr\xe8me br\xfbl\xe9e\n', 'latin1');
    const error = await loadError('docs/menu.md', latin1);
    expect(error.code).toBe('BAD_ENCODING');
    expect(error.reason).toMatch(/UTF-8/);
  });

  it('a .docx that is not a zip is DOCX_INVALID', async () => {
    expect((await loadError('docs/junk.docx', Buffer.from('not a word document '.repeat(20)))).code).toBe('DOCX_INVALID');
  });

  it('a .docx with a zip signature but a broken body is DOCX_INVALID', async () => {
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('garbage'.repeat(30))]);
    expect((await loadError('docs/broken.docx', broken)).code).toBe('DOCX_INVALID');
  });

  it('an unknown extension is UNSUPPORTED', async () => {
    expect((await loadError('docs/data.xyz', Buffer.from('hello'))).code).toBe('UNSUPPORTED');
  });
});

/**
 * Plain text chunks are verbatim slices of the file. Markdown chunks are clean text, so their source slice
 * holds the markup too: it must start at the chunk's first word and contain its last one.
 */
function expectSourceOf(content: string, c: ChunkDraft, label: string, verbatim: boolean): void {
  const slice = content.slice(c.charStart, c.charEnd);
  if (verbatim) return void expect(slice, label).toBe(c.text);
  const words = c.text.match(/[\p{L}\d]+/gu)!;
  // A table row is rewritten with its headers, so a chunk starting inside one points at the whole row.
  if (c.blocks?.[0]?.kind === 'table-row') expect(slice, label).toContain(words[0]!);
  else expect(slice.replace(/^[^\p{L}\d]+/u, '').startsWith(words[0]!), `${label}: ${JSON.stringify(slice.slice(0, 40))} starts with ${words[0]}`).toBe(true);
  expect(slice, label).toContain(words.at(-1)!);
}

describe('chunk provenance', () => {
  const TEXT_FILES = [
    'engineering/architecture-overview.md', 'engineering/code-review-guidelines.md', 'engineering/deployment-process.md',
    'engineering/local-development-setup.txt', 'engineering/on-call-rotation.md', 'finance/purchasing-and-approvals.md',
    'hr/employee-handbook-overview.md', 'hr/notice-periods-and-resignation.md', 'hr/onboarding-checklist.txt',
    'hr/paid-time-off.md', 'hr/performance-reviews-and-growth.md', 'hr/remote-work-policy.md',
    'it/laptop-and-equipment-policy.md', 'it/software-installation-policy.txt', 'security/data-retention-schedule.md',
  ];
  const SETTINGS = [
    { targetTokens: 400, overlapTokens: 60 },
    { targetTokens: 60, overlapTokens: 15 },
    { targetTokens: 50, overlapTokens: 0 },
  ];

  it.each(SETTINGS)('each text chunk is the file text at [charStart, charEnd); a Markdown chunk spans its source (%o)', async (settings) => {
    let checked = 0;
    for (const rel of TEXT_FILES) {
      const content = dataFile(rel).toString('utf8');
      const chunks = await chunkDocument(await load(rel), settings);
      expect(chunks.length, rel).toBeGreaterThan(0);
      chunks.forEach((c, i) => {
        expect(c.ordinal, rel).toBe(i);
        expectSourceOf(content, c, `${rel} chunk ${c.ordinal}`, rel.endsWith('.txt'));
        expect(c.indexText.endsWith(c.text), `${rel} chunk ${c.ordinal}`).toBe(true);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(TEXT_FILES.length);
  });

  it('offsets stay exact with front matter, repeated paragraphs, CRLF line ends and a BOM', async () => {
    const repeated = Array.from({ length: 30 }, () => 'The same sentence repeats in this section again.').join('\n\n');
    const files: Record<string, string> = {
      'front-matter.md': '---\ntitle: Front\ntags: [a, b]\n---\n\n\n# Heading\n\nBody text under the heading.\n',
      'repeated.md': `# Repeats\n\n${repeated}\n\n## Next\n\n${repeated}\n`,
      'crlf.md': '# One\r\n\r\nFirst line of text.\r\n\r\n## Two\r\n\r\nSecond line of text.\r\n',
      'bom.md': '\uFEFF# Bom\n\nText after a byte order mark.\n',
      'long-line.txt': 'word '.repeat(900).trim(),
    };
    for (const [name, raw] of Object.entries(files)) {
      // The document text is the decoded file: BOM dropped, line ends normalised to \n.
      const text = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
      const doc = await loadDocument(`docs/${name}`, Buffer.from(raw, 'utf8'));
      for (const settings of [{ targetTokens: 50, overlapTokens: 10 }, { targetTokens: 400, overlapTokens: 60 }]) {
        for (const c of await chunkDocument(doc, settings)) {
          expectSourceOf(text, c, `${name} chunk ${c.ordinal} at ${settings.targetTokens}`, name.endsWith('.txt'));
        }
      }
    }
  });

  it('PDF chunks keep their page; the password rule is on page 2', async () => {
    const chunks = await chunkDocument(await load(PDF_PATH), { targetTokens: 400, overlapTokens: 60 });
    expect(chunks.every((c) => c.page !== undefined && c.page >= 1 && c.page <= 6)).toBe(true);
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(chunks.find((c) => c.text.includes('at least 14 characters long'))?.page).toBe(2);
  });
});
