// A cold `kb search` in one process, for bench:scale: node dist/bench/cold-search.js KB_DIR hybrid|keyword QUERY.
// Prints the time from opening the store to the first result and the process's peak RSS, as JSON.
import { peakRssMb } from './peak-rss.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';

const [kbDir, mode, query] = process.argv.slice(2) as [string, string, string];
const t0 = performance.now();
const store = openSqliteKbStore(kbDir, { readonly: true });
const embedder = new LocalHashEmbeddings();
const weights = mode === 'keyword' ? { vectorWeight: 0, keywordWeight: 1 } : { vectorWeight: 1, keywordWeight: 1 };
const retriever = createRetriever({ store, embedder, settings: { topK: 6, candidates: 50, ...weights } });
const result = await retriever.retrieve(query);
const openAndQueryMs = performance.now() - t0;
await store.close();
if (!result.chunks.length) throw new Error('no results');
process.stdout.write(JSON.stringify({ openAndQueryMs, rssMb: peakRssMb() }));
