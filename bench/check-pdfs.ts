// npm run check:pdfs [-- folder] — loads every PDF in ../shared/eval-data/pdf-fixtures (or the given folder)
// through the real loader with a per-file timeout, and prints status, pages, characters, line breaks inside a
// sentence (a break not after . ! ? : ; or a closing bracket/quote: what reflow removes) and time per file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LoadError } from '../src/errors.js';
import { loadDocument } from '../src/ingest/loaders/load-document.js';

const dir = resolve(process.argv[2] ?? process.env.KB_PDF_DIR ?? '../shared/eval-data/pdf-fixtures');
if (!existsSync(dir)) {
  console.error(`No PDF folder at ${dir}. Pass one: npm run check:pdfs -- /path/to/pdfs (or set KB_PDF_DIR).`);
  process.exit(1);
}
const TIMEOUT_MS = Number(process.env.KB_PDF_TIMEOUT_MS ?? 30_000);
const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.pdf')).sort();
let ok = 0;
let totalMidBreaks = 0;
console.log(`${'file'.padEnd(48)} ${'status'.padEnd(12)} ${'pages'.padStart(5)} ${'chars'.padStart(8)} ${'midbrk'.padStart(6)} ${'ms'.padStart(6)}  detail`);
for (const f of files) {
  const t0 = performance.now();
  let status = 'ok';
  let pages = '';
  let chars = '';
  let midBreaks = '';
  let detail = '';
  try {
    const doc = await Promise.race([
      loadDocument(f, readFileSync(join(dir, f))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new LoadError(f, `timed out after ${TIMEOUT_MS} ms`, { code: 'TIMEOUT' })), TIMEOUT_MS).unref()),
    ]);
    pages = String(doc.metadata.pages ?? doc.sections.length);
    chars = String(doc.sections.reduce((n, s) => n + s.text.replace(/\s/g, '').length, 0));
    const breaks = doc.sections.reduce((n, s) => n + (s.text.match(/[^.!?:;)"”’\]\n]\n/g)?.length ?? 0), 0);
    totalMidBreaks += breaks;
    midBreaks = String(breaks);
    detail = doc.warnings.join('; ');
    ok++;
  } catch (error) {
    status = error instanceof LoadError ? error.code : 'CRASH';
    detail = error instanceof LoadError ? error.reason : String(error);
  }
  console.log(`${f.padEnd(48)} ${status.padEnd(12)} ${pages.padStart(5)} ${chars.padStart(8)} ${midBreaks.padStart(6)} ${(performance.now() - t0).toFixed(0).padStart(6)}  ${detail.slice(0, 100)}`);
}
console.log(`${files.length} PDFs: ${ok} indexed, ${files.length - ok} reported with a reason, 0 crashes or hangs; ${totalMidBreaks} line breaks inside sentences`);
