// npm run check:markup [-- path/to/eval-data] — indexes the Kendra developer guide (381 Markdown pages) into a
// temporary knowledge base through the real pipeline and counts the chunks whose text still carries markup:
// backslash escapes, HTML anchors and tags, emphasis markers, Markdown link targets. Code blocks are verbatim
// by design (an XML sample is code, not leaked markup), and so are inline code spans (`arn:[a-z0-9-\.]`):
// they are counted apart. Prints figures.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import type { StoredChunk } from '../src/types.js';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

const dataDir = resolve(process.argv[2] ?? process.env.KB_EVAL_DATA ?? '../shared/eval-data');
const corpus = join(dataDir, 'aws-kendra-developer-guide-2023', 'doc_source');
if (!existsSync(corpus)) {
  console.error(`The Kendra guide is not at ${corpus}. Pass the eval-data folder: npm run check:markup -- /path/to/eval-data`);
  process.exit(1);
}
const PATTERNS: Array<[string, RegExp]> = [
  ['backslash escape \\. \\( \\* \\_', /\\[.()*_]/],
  ['<a name= anchor', /<a name=/],
  ['** emphasis', /\*\*/],
  ['](http link target', /\]\(http/],
  ['HTML tag', /<\/?[a-z][a-z0-9]*(\s[^<>]*)?>/i],
];

const dir = mkdtempSync(join(tmpdir(), 'kb-markup-'));
try {
  const kbDir = join(dir, 'kb');
  const kbStore = openSqliteKbStore(kbDir);
  await indexFolders({ roots: [corpus], store: kbStore, embedder: new LocalHashEmbeddings({ dimensions: 64 }), chunking: { targetTokens: 400, overlapTokens: 60 },
    ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
  await kbStore.close();
  const store = openStore(kbDir, { readonly: true }); // the engine's tables, read directly
  const documents = store.allDocuments();
  const spans = new Map(documents.map((d) => [d.path, inlineCode(readFileSync(d.absPath, 'utf8'))]));
  const chunks = documents.flatMap((d) => store.chunksOf(d.id));
  const prose = (c: StoredChunk) => withoutSpans(codeFree(c), spans.get(c.path) ?? []);
  const hits = PATTERNS.map(([name, re]) => ({ name, prose: chunks.filter((c) => re.test(prose(c))), code: chunks.filter((c) => re.test(c.text) && !re.test(prose(c))) }));
  const anyProse = chunks.filter((c) => PATTERNS.some(([, re]) => re.test(prose(c))));
  const noWords = chunks.filter((c) => !/[\p{L}\p{N}]/u.test(c.text));
  const contexts = store.db.prepare('SELECT c.context AS context, d.title AS title FROM chunks c JOIN documents d ON d.id = c.document_id').all() as Array<{ context: string; title: string | null }>;
  const titleRepeated = contexts.filter((r) => r.title && r.context.split(' > ').filter((p) => p.toLowerCase() === r.title!.toLowerCase()).length > 1).length;
  const indexed = store.db.prepare('SELECT c.index_text AS text, d.title AS title FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.title IS NOT NULL').all() as Array<{ text: string; title: string }>;
  const titleMentions = indexed.reduce((n, r) => n + r.text.split(r.title.replace(/<[^>]*>|\\/g, '')).length - 1, 0) / (indexed.length || 1);
  console.log(`${store.counts().documents} documents, ${chunks.length} chunks; the title occurs ${titleMentions.toFixed(2)} times per chunk's index text on average`);
  for (const h of hits) console.log(`${h.name.padEnd(32)} prose chunks ${String(h.prose.length).padStart(5)}   only inside code ${String(h.code.length).padStart(5)}`);
  console.log(`chunks with markup outside code blocks: ${anyProse.length}`);
  console.log(`chunks without a word: ${noWords.length}; chunks whose context header repeats the title: ${titleRepeated}`);
  for (const c of anyProse.slice(0, Number(process.env.SHOW ?? 5))) {
    const [name, re] = PATTERNS.find(([, r]) => r.test(prose(c)))!;
    const m = re.exec(prose(c))!;
    console.log(`  e.g. ${c.path} (${name}): …${prose(c).slice(Math.max(0, m.index - 60), m.index + 40).replace(/\n/g, ' ')}…`);
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Verbatim inline code of a Markdown file, longest first. */
function inlineCode(markdown: string): string[] {
  const out = new Set<string>();
  const visit = (node: { type: string; value?: string; children?: unknown[] }) => {
    if (node.type === 'inlineCode' && node.value?.trim()) out.add(node.value.trim());
    for (const child of node.children ?? []) visit(child as typeof node);
  };
  visit(fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }));
  return [...out].sort((a, b) => b.length - a.length);
}

function withoutSpans(text: string, spans: string[]): string {
  let out = text;
  for (const s of spans) if (out.includes(s)) out = out.split(s).join(' ');
  return out;
}

/** The chunk text without its code blocks (absent block data: all of it). */
function codeFree(c: StoredChunk): string {
  if (!c.blocks) return c.text;
  return c.blocks.filter((b) => b.kind !== 'code').map((b) => c.text.slice(b.start, b.end)).join('\n');
}
