import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ftsTokens } from './src/store/postgres/fts-tokens.js';
const lines = readFileSync('/work/shared/eval-data/scifact/corpus.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const db = new Database(':memory:');
db.exec("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='porter unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance');");
const ins = db.prepare('INSERT INTO f(rowid, t) VALUES (?, ?)');
db.transaction(() => lines.forEach((d, i) => ins.run(i + 1, `${d.title}\n\n${d.text}`)))();
let same = 0, diff = 0; const examples = new Map<string, string>();
const rows = db.prepare('SELECT doc, offset, term FROM v ORDER BY doc, offset').all() as Array<{ doc: number; offset: number; term: string }>;
const byDoc = new Map<number, string[]>();
for (const r of rows) { (byDoc.get(r.doc) ?? byDoc.set(r.doc, []).get(r.doc)!).push(r.term); }
for (const [doc, terms] of byDoc) {
  const d = lines[doc - 1]; const mine = ftsTokens(`${d.title}\n\n${d.text}`);
  if (mine.length !== terms.length) { diff++; if (examples.size < 8) examples.set(`len ${doc}`, `${mine.length} vs ${terms.length}`); continue; }
  let ok = true; mine.forEach((t, i) => { if (t !== terms[i]) { ok = false; if (examples.size < 30) examples.set(t, terms[i]!); } });
  ok ? same++ : diff++;
}
console.log({ docs: byDoc.size, same, diff }); console.log(examples);
