// npm run eval:answers [-- path/to/rag-mini-wikipedia or path/to/eval-data] — end-to-end offline answers on rag-mini-wikipedia dev
// questions: passages become one Markdown file per article, indexed by the real pipeline; each question goes
// through answerQuestion with the extractive answerer. Prints retrieval hit rate, answer rate and how often
// the answer contains the gold answer. Prints figures; asserts nothing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { answerQuestion } from '../src/answer/answer-question.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { loadConfig } from '../src/config.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { defaultWeights } from '../src/retrieve/default-weights.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';

const given = resolve(process.argv[2] ?? process.env.KB_RAG_MINI_WIKIPEDIA ?? '../shared/eval-data/rag-mini-wikipedia');
// The eval-data folder itself works too (npm run eval:answers -- /path/to/eval-data).
const dataDir = existsSync(join(given, 'rag-mini-wikipedia', 'derived')) ? join(given, 'rag-mini-wikipedia') : given;
const derived = join(dataDir, 'derived');
if (!existsSync(join(derived, 'passages_with_article.jsonl'))) {
  console.error(`rag-mini-wikipedia not found at ${dataDir}. Pass its folder: npm run eval:answers -- /path (or set KB_RAG_MINI_WIKIPEDIA).`);
  process.exit(1);
}
const readJsonl = <T>(f: string) => readFileSync(join(derived, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
const passages = readJsonl<{ id: number; article_title: string; passage_utf8_repaired: string }>('passages_with_article.jsonl');
const questions = readJsonl<{ question: string; answer: string; article_title: string | null }>('questions-dev_with_article.jsonl').filter((q): q is { question: string; answer: string; article_title: string } => !!q.article_title && !!q.answer);

const dir = mkdtempSync(join(tmpdir(), 'kb-eval-answers-'));
try {
  const corpus = join(dir, 'wiki');
  mkdirSync(corpus);
  const byArticle = new Map<string, string[]>();
  for (const p of passages) byArticle.set(p.article_title, [...(byArticle.get(p.article_title) ?? []), p.passage_utf8_repaired.trim()]);
  const fileOf = (title: string) => `${title.replace(/[^\w-]+/g, '_')}.md`;
  for (const [title, parts] of byArticle) writeFileSync(join(corpus, fileOf(title)), `# ${title.replace(/_/g, ' ')}\n\n${parts.join('\n\n')}\n`);
  const kbDir = join(dir, 'kb');
  const store = openSqliteKbStore(kbDir);
  const embedder = new LocalHashEmbeddings();
  await indexFolders({ roots: [corpus], store, embedder, chunking: { targetTokens: 400, overlapTokens: 60 }, ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
  const config = loadConfig({ cwd: dir, env: {} });
  const retriever = createRetriever({ store, embedder, settings: { topK: config.retrieval.topK, candidates: config.retrieval.candidates, ...defaultWeights(embedder) } });
  const answerer = createExtractiveAnswerer();

  let hit = 0, found = 0, contains = 0, open = 0, openContains = 0, answerChars = 0;
  for (const q of questions) {
    const result = await answerQuestion({ question: q.question, retriever, answerer, minCoverage: config.retrieval.minCoverage });
    const gold = `wiki/${fileOf(q.article_title)}`;
    if (result.sources.some((s) => s.path === gold)) hit++;
    if (result.found) {
      found++;
      answerChars += result.answer.length;
    }
    const yesNo = /^(yes|no)\b/i.test(q.answer.trim());
    if (!yesNo) {
      open++;
      if (result.found && result.answer.toLowerCase().includes(q.answer.toLowerCase().replace(/\.$/, '').trim())) openContains++;
      else if (process.env.KB_EVAL_VERBOSE) console.log(`MISS ${q.question} | gold: ${q.answer} | ${result.answer.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    if (result.found && result.answer.toLowerCase().includes(q.answer.toLowerCase().replace(/\.$/, '').trim())) contains++;
  }
  const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(1)}%`;
  console.log(`${byArticle.size} articles, ${passages.length} passages, ${(await store.stats()).chunks} chunks; ${questions.length} dev questions (minCoverage ${config.retrieval.minCoverage})`);
  console.log(`gold article among the sources: ${pct(hit, questions.length)}`);
  console.log(`answered (not "no answer"):      ${pct(found, questions.length)}, ${Math.round(answerChars / Math.max(1, found))} characters on average`);
  console.log(`answer contains the gold answer, non-yes/no questions: ${openContains}/${open} = ${pct(openContains, open)}`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
