import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../src/ingest/chunk-document.js';
import { loadDocument } from '../src/ingest/loaders/load-document.js';
import type { ChunkDraft, LoadedDocument } from '../src/types.js';
import { DATA_DIR } from './temp-dir.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'markup');
const MARKUP = [/\\[.()*_]/, /<a name=/, /\*\*/, /\]\(http/, /<\/?[a-z][a-z0-9]*(\s[^<>]*)?>/i, /(^|\s)[*_]\w/, /&(amp|gt|lt|copy);/];

async function chunksOf(rel: string, dir = FIXTURES, targetTokens = 400): Promise<{ doc: LoadedDocument; chunks: ChunkDraft[]; source: string }> {
  const data = readFileSync(join(dir, rel));
  const doc = await loadDocument(rel, data);
  return { doc, chunks: await chunkDocument(doc, { targetTokens, overlapTokens: Math.floor(targetTokens / 6) }), source: data.toString('latin1') };
}
/** The chunk text outside its code blocks. */
const prose = (c: ChunkDraft) => (c.blocks ? c.blocks.filter((b) => b.kind !== 'code').map((b) => c.text.slice(b.start, b.end)).join('\n') : c.text);
const kindOf = (c: ChunkDraft, needle: string) => {
  const at = c.text.indexOf(needle);
  return at < 0 ? undefined : (c.blocks?.find((b) => b.start <= at && at < b.end)?.kind ?? 'text');
};

describe('Markdown through the parser', () => {
  it('chunk texts carry no escapes, anchors, emphasis, link targets or tags, and keep the words', async () => {
    const { chunks } = await chunksOf('service-limits.md');
    const all = chunks.map((c) => c.text).join('\n');
    for (const c of chunks) for (const re of MARKUP) expect(prose(c), `${re} in chunk ${c.ordinal}`).not.toMatch(re);
    expect(all).toContain('Amazon Kendra has quotas for each index. See the quotas page for the full list (updated monthly).');
    expect(all).toContain('You can request an increase in the Service Quotas console.');
    expect(all).toContain('MaxDocumentSize\nThe largest document the index accepts.');
    expect(all).toContain('Deleting an index also deletes its documents.');
    expect(all).toContain('https://aws.amazon.com/kendra/.');
  });

  it('link targets go to the chunk metadata, not the text', async () => {
    const { chunks } = await chunksOf('service-limits.md');
    const links = chunks.flatMap((c) => c.links ?? []);
    expect(links).toContainEqual({ text: 'quotas page', url: 'https://docs.aws.amazon.com/kendra/latest/dg/quotas.html' });
    expect(chunks.some((c) => c.text.includes('docs.aws.amazon.com/kendra/latest'))).toBe(false);
  });

  it('table rows stand alone with their column headers, marked as table rows', async () => {
    const { chunks } = await chunksOf('service-limits.md');
    const row = chunks.find((c) => c.text.includes('Maximum size of a single document'))!;
    expect(row.text).toContain('Maximum size of a single document — Default: 50 MB; Adjustable: Yes');
    expect(row.text).toContain('Maximum amount of text extracted from a single document — Default: 5 MB; Adjustable: No');
    expect(kindOf(row, 'Maximum size of a single document')).toBe('table-row');
    expect(row.text).not.toMatch(/\|\s*-{3}/);
  });

  it('a chunk that starts inside a table still names the columns on every row', async () => {
    const { chunks } = await chunksOf('service-limits.md', FIXTURES, 20);
    const rows = chunks.filter((c) => c.text.includes('Maximum number of indexes per account'));
    expect(rows.length).toBeGreaterThan(0);
    for (const c of rows) expect(c.text).toContain('Maximum number of indexes per account — Default: 5; Adjustable: Yes');
  });

  it('code blocks are verbatim and marked as code; list items are lines', async () => {
    const { chunks } = await chunksOf('service-limits.md');
    const code = chunks.find((c) => c.text.includes('client.create_index'))!;
    expect(code.text).toContain('client.create_index(Name="my-index", Edition="ENTERPRISE_EDITION")\nprint("**not emphasis** and <b>not a tag</b>")');
    expect(kindOf(code, 'client.create_index')).toBe('code');
    const list = chunks.find((c) => c.text.includes('Create the index first.'))!;
    expect(list.text).toContain('Create the index first.\nThen add a data source with the CreateDataSource API.');
    expect(kindOf(list, 'Then add a data source')).toBe('list-item');
  });

  it('headings are clean, not in the chunk text, and the title appears once in the context header', async () => {
    const { doc, chunks } = await chunksOf('service-limits.md');
    expect(doc.title).toBe('Service limits');
    expect(doc.sections.map((s) => s.headingPath)).toContainEqual(['Service limits', 'Document limits']);
    for (const c of chunks) {
      expect(c.context.split('Service limits')).toHaveLength(2);
      expect(c.indexText.split('Service limits')).toHaveLength(2);
      expect(c.text).not.toMatch(/^#/m);
    }
    expect(chunks.find((c) => c.text.includes('MaxDocumentSize'))!.context).toBe('Service limits > Document limits');
  });

  it('chunk offsets point at the chunk source in the file', async () => {
    const { chunks, source } = await chunksOf('service-limits.md', FIXTURES, 30);
    for (const c of chunks) {
      const slice = source.slice(c.charStart, c.charEnd);
      const words = c.text.match(/[A-Za-z]{3,}/g)!;
      expect(slice, `chunk ${c.ordinal}`).toContain(words[0]!);
      expect(slice, `chunk ${c.ordinal}`).toContain(words.at(-1)!);
    }
  });

  it('small chunks keep whole sentences', async () => {
    const { chunks } = await chunksOf('hr/paid-time-off.md', DATA_DIR, 80);
    const prose = chunks.filter((c) => !c.blocks);
    expect(prose.length).toBeGreaterThan(3);
    for (const c of prose) expect(c.text, `chunk ${c.ordinal}`).toMatch(/^[\p{Lu}\d"(]/u);
    for (const c of prose) expect(c.text, `chunk ${c.ordinal}`).toMatch(/[.!?:)"]$/);
  });
});

describe('Markdown that would trap the parser', () => {
  it('deep bracket and block-quote nesting load as plain text instead of hanging or overflowing the stack', async () => {
    const brackets = `# Trap\n\n${'['.repeat(300_000)}x${']'.repeat(300_000)}\n\nAfter the trap comes a normal sentence.\n`;
    const quotes = `${'>'.repeat(100_000)} deep quote\n`;
    const a = await loadDocument('docs/brackets.md', Buffer.from(brackets));
    expect(a.sections.map((s) => s.text).join('\n')).toContain('After the trap comes a normal sentence.');
    const b = await loadDocument('docs/quotes.md', Buffer.from(quotes));
    expect(b.sections.map((s) => s.text).join('\n')).toContain('deep quote');
  });

  it('a table longer than one parse batch keeps its headers on every row', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => `| item-${i} | ${i * 3} kg |`).join('\n');
    const doc = await loadDocument('docs/inventory.md', Buffer.from(`# Inventory\n\n| Item | Weight |\n| --- | --- |\n${rows}\n`));
    const text = doc.sections.map((s) => s.text).join('\n');
    expect(text).toContain('item-0 — Weight: 0 kg');
    expect(text).toContain('item-3999 — Weight: 11997 kg');
    expect(text.split('\n').filter((l) => /^item-\d+ — Weight: \d+ kg$/.test(l))).toHaveLength(4000);
  });
});

describe('HTML through the same clean-text path', () => {
  it('drops scripts, styles, navigation and page chrome; keeps the content clean', async () => {
    const { doc, chunks } = await chunksOf('product-page.html');
    const all = chunks.map((c) => c.text).join('\n');
    expect(doc.title).toBe('Widget Pro - Specifications');
    for (const gone of ['never indexed', 'injected', 'Products', 'Sign in', 'newsletter', 'All rights reserved', 'font-family']) expect(all).not.toContain(gone);
    for (const c of chunks) for (const re of MARKUP) expect(prose(c), `${re} in chunk ${c.ordinal}`).not.toMatch(re);
    expect(all).toContain('The Widget Pro is our fastest widget. It ships with a two-year warranty & free returns, as described in the warranty terms.');
    expect(chunks.flatMap((c) => c.links ?? [])).toContainEqual({ text: 'warranty terms', url: 'https://example.com/warranty' });
  });

  it('table rows carry the header row, list items are lines, <pre> is code', async () => {
    const { chunks } = await chunksOf('product-page.html');
    const specs = chunks.find((c) => c.text.includes('Battery life'))!;
    expect(specs.text).toContain('Battery life — Value: 14 hours');
    expect(specs.text).toContain('Weight — Value: 1.2 kg');
    expect(kindOf(specs, 'Battery life')).toBe('table-row');
    const setup = chunks.find((c) => c.text.includes('Unpack'))!;
    expect(setup.text).toContain('Unpack the widget.\nCharge it for two hours.');
    expect(kindOf(setup, 'widget --init')).toBe('code');
    expect(setup.context).toBe('Widget Pro - Specifications > Setup');
  });
});

describe('PDF reflow', () => {
  it('joins wrapped lines, undoes hyphenation, keeps real hyphens, drops the repeated header and footer', async () => {
    const { doc, chunks } = await chunksOf('security/information-security-policy.pdf', DATA_DIR);
    const all = chunks.map((c) => c.text).join('\n');
    expect(all).toContain('Every service account has a named owner and uses strong authentication: a key of at least 32 random characters, rotated every 90 days.');
    expect(all).toContain('Well-known default passwords of vendor appliances are changed before the appliance is connected to the company network.');
    expect(all).not.toMatch(/Internal - Page \d/);
    expect(all).not.toContain('Information Security Policy v4.2');
    // A sentence that pdfkit wrapped is one line again.
    const wrapped = 'Access that is no longer needed is removed within 2 business days of the review.';
    expect(chunks.find((c) => c.text.includes(wrapped))?.page).toBe(3);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a page whose text layer is glyph codes is reported and not indexed', async () => {
    const pdf = await makePdf(['Page one explains the badge policy for visitors and staff.', '"7+%- #$&\' )*+,-./ 0123@!', 'Page three explains visitor access at reception.']);
    const doc = await loadDocument('docs/glyphs.pdf', pdf);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 3]);
    expect(doc.warnings.join(' ')).toMatch(/page 2 has an unreadable text layer/);
  });
});

describe('chunks without words', () => {
  it('separator lines and lone punctuation are not stored as chunks', async () => {
    const text = 'First real paragraph about leave.\n\n----------\n\n* * *\n\n...\n\n=====\n\nSecond real paragraph about pay.\n';
    const doc = await loadDocument('docs/separators.txt', Buffer.from(text));
    const chunks = await chunkDocument(doc, { targetTokens: 10, overlapTokens: 0 });
    expect(chunks.map((c) => c.text)).toEqual(['First real paragraph about leave.', 'Second real paragraph about pay.']);
  });
});

async function makePdf(pages: string[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4' });
  const parts: Buffer[] = [];
  doc.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  pages.forEach((text, i) => {
    if (i > 0) doc.addPage();
    doc.fontSize(12).text(text, 72, 72);
  });
  doc.end();
  await ended;
  return Buffer.concat(parts);
}
