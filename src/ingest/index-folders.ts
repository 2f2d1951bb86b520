import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { IndexMismatchError, isAbortError, KbError, LoadError, ModelCallError, UsageError } from '../errors.js';
import { type Embedder, embedderKey } from '../models/embedder.js';
import { embedKeyOf, type KbStore, type NewDocument } from '../store/kb-store.js';
import type { ChunkDraft, LoadedDocument } from '../types.js';
import { type ChunkingOptions, chunkDocument, chunkerKey } from './chunk-document.js';
import { createEmbedScheduler } from './embed-texts.js';
import { emptySummary, type IndexSummary } from './index-summary.js';
import { createParsePool } from './parse-pool.js';
import { readWalkedFile } from './read-walked-file.js';
import type { WalkedFile } from './walk-files.js';
import { appendAll, walkRoots } from './walk-roots.js';

export interface IndexProgress {
  phase: 'scan' | 'index' | 'done';
  done: number;
  total: number;
  path?: string;
}

export interface IndexFoldersOptions {
  roots: string[];
  store: KbStore;
  embedder: Embedder;
  chunking: ChunkingOptions;
  ingest: { maxFileBytes: number; followSymlinks: boolean; fileTimeoutMs: number; maxInflatedBytes?: number; parserMemoryMb?: number };
  maxConcurrency?: number;
  dryRun?: boolean;
  /** Re-process every document (re-parse, re-chunk; stored vectors of the configured model are reused), and accept a change of embedding model. */
  rebuild?: boolean;
  /** Parse files again that failed before and have not changed since (otherwise they are reported without a parse). */
  retryFailed?: boolean;
  /** USD per 1k embedding tokens, when the provider is paid. */
  pricePer1k?: number;
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
  /** Text pipeline version the chunks are recorded as built with (default: the current one); tests simulate upgrades. */
  textPipelineVersion?: number;
}

const MAX_CONSECUTIVE_MODEL_FAILURES = 3;
const GROUP_COMMIT_FILES = 24;
const GROUP_COMMIT_MS = 150;
const PARSER_THREADS = 2;
/** Text and Markdown up to this size parse in-thread (linear, milliseconds): a thread round trip would cost more. */
const IN_THREAD_PARSE_BYTES = 64 * 1024;

/**
 * Makes the index match the folders: new and changed files are parsed, chunked and embedded (only chunk texts
 * without a cached vector), deleted ones removed, unchanged ones cost a stat. Each file commits atomically;
 * a file that fails is reported and keeps its previous version. The caller holds the writer lock (see
 * src/app/run-index.ts, which also records the run).
 */
export async function indexFolders(options: IndexFoldersOptions): Promise<IndexSummary> {
  const { store, embedder, chunking, dryRun = false, onProgress, signal } = options;
  const started = Date.now();
  const roots = options.roots.map((r) => resolve(r));
  const ek = embedderKey(embedder);
  const ck = chunkerKey(chunking, options.textPipelineVersion);
  const summary = emptySummary(roots, dryRun, ek);

  const names = roots.map((r) => basename(r));
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) {
    throw new UsageError(
      `Two folders named "${clash}" (${roots.filter((r) => basename(r) === clash).join(', ')}) would give documents the same paths. Index their parent folder instead, or rename one.`,
    );
  }
  const configured = { model: embedder.modelId, dimensions: embedder.dimensions };
  const built = (await store.indexInfo()).embedding;
  const builtWith = built && embedKeyOf(built);
  if (built && builtWith !== ek && !options.rebuild) throw new IndexMismatchError(built, configured);

  // Scan
  const scan = await walkRoots(roots, options.ingest, (done) => onProgress?.({ phase: 'scan', done, total: 0 }));
  const walked = scan.files;
  appendAll(summary.skipped, scan.skipped);
  // Recorded only once the roots are known good: a typo'd --rebuild must not relabel the index. The chunk
  // settings are remembered so that a plain `kb index` keeps the size a flag chose once (see effectiveChunking).
  if (!dryRun) await store.setIndexInfo({ ...(builtWith !== ek ? { embedding: configured } : {}), chunking });
  summary.files.seen = walked.length;
  summary.files.skipped = summary.skipped.length;
  const unreadableDirs = summary.skipped.filter((s) => s.reason.startsWith('folder cannot be read')).map((s) => s.path + '/');

  const existing = new Map((await store.documentsUnder(roots)).map((d) => [d.absPath, d]));
  const failures = await store.failedFiles();
  const seen = new Set(walked.map((f) => f.absPath));
  const retryFailed = !!(options.retryFailed || options.rebuild);
  const reportKnownFailure = (file: WalkedFile, reason: string) => {
    summary.failures.push({ path: file.path, reason: `${reason} (unchanged since it failed; kb index --retry-failed parses it again)` });
    summary.files.failed++;
  };
  const todo = walked.filter((f) => {
    const d = existing.get(f.absPath);
    const fresh = !options.rebuild && d && d.size === f.size && d.mtimeMs === f.mtimeMs && d.chunkerKey === ck && d.embedKey === ek;
    if (fresh) summary.files.unchanged++;
    const failed = fresh || retryFailed ? undefined : failures.get(f.absPath);
    if (failed && failed.size === f.size && failed.mtimeMs === f.mtimeMs && failed.chunkerKey === ck) {
      reportKnownFailure(f, failed.reason);
      return false;
    }
    return !fresh;
  });
  const deleted = [...existing.values()].filter((d) => !seen.has(d.absPath) && !unreadableDirs.some((p) => d.path.startsWith(p)));

  const scheduler = createEmbedScheduler(embedder, { maxConcurrency: options.maxConcurrency ?? 16 });
  summary.embedStats = scheduler.stats;
  const plan = { new: [] as string[], changed: [] as string[], deleted: deleted.map((d) => d.path) };
  let consecutiveModelFailures = 0;
  // Vectors under this model exist only if an earlier run used it (a run records the model before embedding).
  const hadVectors = builtWith === ek;
  const embeddedThisRun = new Set<string>();
  let fatal: KbError | undefined;
  let done = 0;
  const contentHashes = new Map<string, string>();

  const processFile = async (file: WalkedFile): Promise<void> => {
    const previous = existing.get(file.absPath);
    const data = readWalkedFile(file, options.ingest);
    const contentHash = createHash('sha256').update(data).digest('hex');
    if (!options.rebuild && previous && previous.contentHash === contentHash && previous.chunkerKey === ck && previous.embedKey === ek) {
      summary.files.unchanged++;
      if (!dryRun) {
        await store.touchDocument(previous.id, file.size, file.mtimeMs);
        if (failures.has(file.absPath)) await store.clearFailures([file.absPath]); // back to the bytes that indexed
      }
      return;
    }
    const failed = retryFailed ? undefined : failures.get(file.absPath);
    if (failed && failed.contentHash === contentHash && failed.chunkerKey === ck) {
      // Touched but not changed: same bytes that failed to parse last time.
      if (!dryRun) await store.recordFailure(file.absPath, { ...failed, size: file.size, mtimeMs: file.mtimeMs });
      reportKnownFailure(file, failed.reason);
      return;
    }
    contentHashes.set(file.absPath, contentHash);
    let doc: Pick<LoadedDocument, 'format' | 'title' | 'tags' | 'metadata' | 'warnings'>;
    let drafts: ChunkDraft[];
    const twin = previous ? undefined : await store.findTwin(contentHash, ck, ek);
    if (twin) {
      // A renamed or copied file: same bytes, same settings, so the same chunks. No parsing, no embedding.
      const { format, title, tags, metadata, warnings } = twin.document;
      doc = { format, ...(title ? { title } : {}), tags, metadata, warnings };
      drafts = twin.chunks;
      summary.files.copied++;
    } else {
      const loaded = await parsers.parse(file.path, data, { timeoutMs: options.ingest.fileTimeoutMs, ...(signal ? { signal } : {}) });
      doc = loaded;
      drafts = await chunkDocument(loaded, chunking);
    }
    for (const w of doc.warnings) summary.warnings.push({ path: file.path, message: w });
    // Listed only once it parsed: a dry run's plan and its counts agree.
    (previous ? plan.changed : plan.new).push(file.path);

    // On a first run there is nothing to look up, unless this run already embedded one of these texts.
    const mayBeCached = hadVectors || drafts.some((d) => embeddedThisRun.has(d.textHash));
    const cached: Map<string, ArrayLike<number>> = mayBeCached ? await store.cachedVectors(ek, drafts.map((d) => d.textHash)) : new Map();
    const missing = [...new Map(drafts.filter((d) => !cached.has(d.textHash)).map((d) => [d.textHash, d])).values()];
    summary.chunks.reused += drafts.length - missing.length;
    summary.embeddingTokens += missing.reduce((n, d) => n + d.tokenEstimate, 0);
    if (dryRun) {
      summary.chunks.embedded += missing.length;
      summary.chunks.added += drafts.length;
      previous ? summary.files.changed++ : summary.files.new++;
      return;
    }
    const newVectors: Array<{ hash: string; vector: number[] }> = [];
    if (missing.length) {
      try {
        await scheduler.embed(missing.map((d) => d.indexText), signal, (start, vectors) => {
          vectors.forEach((vector, j) => {
            const hash = missing[start + j]!.textHash;
            newVectors.push({ hash, vector });
            embeddedThisRun.add(hash);
            cached.set(hash, Float32Array.from(vector));
          });
        });
      } catch (error) {
        // What was embedded before the failure is kept, so the retry of this file only embeds the rest.
        await store.putVectors(ek, newVectors);
        throw error;
      }
      summary.chunks.embedded += missing.length;
    }
    pending.push({
      doc: { absPath: file.absPath, root: file.root, path: file.path, format: doc.format, ...(doc.title ? { title: doc.title } : {}), tags: doc.tags, metadata: doc.metadata,
        warnings: doc.warnings, contentHash, size: file.size, mtimeMs: file.mtimeMs, chunkerKey: ck, embedKey: ek },
      chunks: drafts,
      newVectors,
      vectors: cached,
      isNew: !previous,
    });
    if (pending.length >= GROUP_COMMIT_FILES || Date.now() - lastFlush >= GROUP_COMMIT_MS) await flush();
  };

  // Files are committed in small groups: each file is still all-or-nothing, and a crash loses at most the
  // group in flight (re-done by the next run). Per-file commits made FTS5 write a segment per file.
  const pending: Array<{ doc: NewDocument; chunks: ChunkDraft[]; newVectors: Array<{ hash: string; vector: number[] }>; vectors: Map<string, ArrayLike<number>>; isNew: boolean }> = [];
  let lastFlush = Date.now();
  // One group commits at a time, in the order groups were closed; a file's worker waits for its group.
  let writes = Promise.resolve();
  const flush = (): Promise<void> => {
    lastFlush = Date.now();
    if (!pending.length) return writes;
    const group = pending.splice(0);
    writes = writes.then(() => commit(group));
    return writes;
  };
  const commit = async (group: typeof pending): Promise<void> => {
    if (fatal instanceof StoreWriteError) {
      // An earlier group could not be stored; this one would fail the same way. It is retried by the next run.
      for (const item of group) summary.failures.push({ path: item.doc.path, reason: 'not stored: the store refused an earlier write' });
      summary.files.failed += group.length;
      return;
    }
    let results: Awaited<ReturnType<KbStore['writeDocuments']>>;
    try {
      results = await store.writeDocuments(group);
    } catch (error) {
      // The database refused the write (disk full, I/O error): none of the group was stored, and going on
      // would fail the same way. Their previous versions stay; the next run retries them.
      for (const item of group) summary.failures.push({ path: item.doc.path, reason: `could not be stored: ${(error as Error).message}` });
      // paid-for embeddings are kept if at all possible; the same failure means nothing more can be saved
      await store.putVectors(ek, group.flatMap((item) => item.newVectors)).catch(() => undefined);
      summary.files.failed += group.length;
      fatal = new StoreWriteError(error);
      return;
    }
    await store.clearFailures(group.map((item) => item.doc.absPath));
    results.forEach(({ removed, added }, i) => {
      const item = group[i]!;
      summary.chunks.added += added.length;
      summary.chunks.removed += removed.length;
      item.isNew ? summary.files.new++ : summary.files.changed++;
    });
  };

  const worker = async (queue: WalkedFile[]) => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      // A store and embedder that answer at once make the run one long chain of promises: each file starts on a
      // new turn of the event loop, so Ctrl+C (the abort signal), timers and HTTP requests are served meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted || fatal) return;
      try {
        await processFile(file);
        consecutiveModelFailures = 0;
      } catch (error) {
        if (isAbortError(error) && signal?.aborted) return;
        // The run is stopping on a fatal model error: files caught in flight were not tried, not failed.
        if (fatal && error instanceof ModelCallError) return;
        const reason = error instanceof LoadError ? error.reason : error instanceof KbError ? error.message : `unexpected error: ${(error as Error)?.message ?? error}`;
        summary.failures.push({ path: file.path, reason });
        summary.files.failed++;
        // A file that cannot be parsed is remembered by content, so the next run does not parse it again.
        // Model and store failures are not: they say nothing about the file.
        const contentHash = contentHashes.get(file.absPath);
        if (!dryRun && error instanceof LoadError && contentHash) {
          await store.recordFailure(file.absPath, { contentHash, size: file.size, mtimeMs: file.mtimeMs, chunkerKey: ck, reason });
        }
        if (error instanceof ModelCallError) {
          if (error.isFatal || ++consecutiveModelFailures >= MAX_CONSECUTIVE_MODEL_FAILURES) fatal = error;
        }
      } finally {
        onProgress?.({ phase: 'index', done: ++done, total: todo.length, path: file.path });
      }
    }
  };
  const parsers = createParsePool({
    size: PARSER_THREADS,
    memoryMb: options.ingest.parserMemoryMb ?? 1024,
    limits: { maxInflatedBytes: options.ingest.maxInflatedBytes ?? 100 * 1024 * 1024 },
    inThreadBytes: IN_THREAD_PARSE_BYTES,
  });
  const queue = [...todo];
  // Several files in flight keep a remote embedder busy; the scheduler bounds the actual requests.
  const parallelFiles = embedder.capabilities.parallelCalls ? Math.max(2, Math.min(options.maxConcurrency ?? 16, 32)) : 4;
  try {
    await Promise.all(Array.from({ length: parallelFiles }, () => worker(queue)));
    if (!dryRun) await flush();

    if (!dryRun && !signal?.aborted && !fatal && deleted.length) {
      const removed = await store.removeDocuments(deleted.map((d) => d.id));
      summary.chunks.removed += removed.length;
      await store.pruneVectors();
    }
    if (!dryRun && !signal?.aborted && !fatal) {
      const under = (p: string) => roots.some((r) => p.startsWith(`${r}/`));
      await store.clearFailures([...(await store.failedFiles()).keys()].filter((p) => under(p) && !seen.has(p)));
    }
    summary.files.deleted = dryRun || signal?.aborted || fatal ? 0 : deleted.length;
    if (dryRun) {
      summary.plan = plan;
      summary.files.deleted = deleted.length;
      summary.chunks.removed = deleted.length; // documents; chunk counts of deletions are not looked up in a dry run
    }
  } finally {
    // Whatever happened, the worker threads must not outlive the run (they would keep the process alive),
    // and groups already handed to the store finish before the caller records the run.
    await writes;
    await parsers.close();
  }
  // A real run reports and prices what the service counted; a dry run can only estimate.
  if (!dryRun && embedder.capabilities.costsTokens) summary.embeddingTokens = scheduler.stats.inputTokens;
  if (options.pricePer1k !== undefined) summary.estimatedCostUsd = (summary.embeddingTokens / 1000) * options.pricePer1k;
  if (signal?.aborted) summary.stoppedEarly = 'interrupted';
  if (fatal) summary.stoppedEarly = fatal.message;
  summary.durationMs = Date.now() - started;
  onProgress?.({ phase: 'done', done, total: todo.length });
  return summary;
}

/** The store refused a write (disk full, I/O error): the run stops, what committed stays. */
class StoreWriteError extends KbError {
  constructor(cause: unknown) {
    super('STORE_WRITE_FAILED', `Writing to the knowledge base failed (${(cause as Error)?.message ?? cause}); fix the cause (e.g. free disk space) and run kb index again.`, { cause, exitCode: 3 });
  }
}
