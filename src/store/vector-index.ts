import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { checkHnswFile } from './check-hnsw-file.js';
import { FlatVectors } from './flat-vectors.js';
import { SparseColumns } from './sparse-columns.js';
import { HASH_STEP_BYTES, hashFile } from './hash-file.js';
import type { SqliteStore } from './sqlite-store.js';
import { blobToVector } from './vector-blob.js';
import { acceptedBase, BASE_STAMP_KEY, chunkSequence, COLUMNS_FILE, INDEX_FILE, type SavedFile, SIDECAR_FILE, type Sidecar } from './vector-base-file.js';

const { HierarchicalNSW } = hnswlib;

/** Graph settings new indexes are built with (the file keeps its own M and efConstruction once written). */
export const HNSW_BUILD = { m: 16, efConstruction: 100 } as const;
/** Settings of indexes saved before the sidecar recorded them. */
const LEGACY_BUILD = { m: 12, efConstruction: 40 } as const;

/**
 * Search breadth for a graph of `n` live (dense) vectors: 400 up to 1,000 vectors, plus 200 per doubling beyond,
 * capped at 2,000, and never below `k`. On random 1024-d vectors, the hardest case, M 16 / efConstruction 100
 * gives recall@10 0.88 at ef 500 and 0.97 at ef 1,000 on 10,000 (`bench/RECALL-SWEEP.md`); this gives 1,065 there.
 * A few milliseconds a search, beside the tens a Bedrock embedding call of the question takes.
 */
export function searchEf(n: number, k: number): number {
  const ef = 400 + 200 * Math.log2(Math.max(n, 1000) / 1000);
  return Math.max(k, Math.min(2000, Math.ceil(ef)));
}

/** Change held outside the base past this is inserted into it (a reader, when no writer has saved for long). */
const FLAT_MAX = 20_000;

/**
 * The vector index over the chunk vectors in SQLite: the saved base (see vector-base-file.ts) plus the change
 * since it — deletions marked deleted, newer chunks searched exactly (a reader) or inserted (a writer, which then
 * saves a new base). Labels are chunk ids, never reused, so a deleted label never comes back as another chunk.
 * When there is no base the database accepts, it is built from the stored vectors.
 *
 * The base is one of two structures, chosen by the vectors themselves. Dense vectors (Titan, Cohere) go into an
 * HNSW graph (vectors.hnsw). Sparse ones (the offline embedder's, and the emulator's Titan, which reuses it) go
 * into column postings (`SparseColumns`, vectors.cols), searched exactly: on them a graph gives three-word queries
 * recall@10 of 0.3 at 100k chunks (`npm run bench:recall-sweep`), costs half a millisecond per insert and 4.5 KB
 * per chunk; the columns give 1.0, for microseconds and about 700 bytes. A base saved as a graph before columns
 * existed is still loaded as one by a reader; the next writer turns it into columns.
 */
export class VectorIndex {
  private index: InstanceType<typeof HierarchicalNSW>;
  private graphLive = 0;
  /** Graph capacity to allocate when it first grows (known from a rebuild's row count; unused for sparse vectors). */
  private capacityHint = 1024;
  /** Chunk ids up to this are reflected in the base; higher ones are in `flat` (a reader) or not yet seen. */
  private upTo = 0;
  /** The base in memory (its stamp, or '' when built from the database). */
  private baseStamp: string | undefined;
  /** Tombstones already marked in this base. */
  private applied = new Set<number>();
  private readonly flat: FlatVectors;
  /** Column postings: the base of sparse vectors; undefined when a reader loaded a graph base without them. */
  private columns: SparseColumns | undefined;
  /** Generation of the database this index reflects. */
  generation = -1;
  /** Whether the base was built from the database rather than loaded, on the last open or sync. */
  rebuilt = false;
  /** M and efConstruction of the graph in memory (a loaded file keeps the settings it was built with). */
  build: { m: number; efConstruction: number } = { ...HNSW_BUILD };

  private constructor(
    private readonly kbDir: string,
    readonly embedKey: string,
    readonly dimensions: number,
    private readonly hashStepBytes: number,
    private readonly reader: boolean,
  ) {
    this.index = VectorIndex.empty(dimensions, 1024);
    this.flat = new FlatVectors(dimensions);
    this.columns = new SparseColumns(dimensions);
  }

  private static empty(dimensions: number, capacity: number) {
    const index = new HierarchicalNSW('cosine', dimensions);
    index.initIndex({ maxElements: capacity, m: HNSW_BUILD.m, efConstruction: HNSW_BUILD.efConstruction, randomSeed: 42, allowReplaceDeleted: true });
    return index;
  }

  /**
   * Loads the saved base if the database accepts it (else builds the graph from the stored vectors), then applies
   * the change since. `reader` (search only) keeps newer chunks out of the graph and scans them exactly; a writer
   * inserts them, to save a new base. `hashStepBytes` is the read step of the file checksum (tests shrink it).
   */
  static open(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number, { hashStepBytes = HASH_STEP_BYTES, reader = false } = {}): VectorIndex {
    const vi = new VectorIndex(kbDir, embedKey, dimensions, hashStepBytes, reader);
    vi.sync(store);
    return vi;
  }

  /** Live vectors searched: the base's and the exactly scanned change's. */
  get size(): number {
    return this.baseSize + this.flat.size;
  }

  /** Whether the base is the graph (dense vectors, or a graph base loaded without columns) rather than columns. */
  private get usesGraph(): boolean {
    return this.columns?.mode !== 'sparse';
  }

  private get baseSize(): number {
    return this.usesGraph ? this.graphLive : this.columns!.size;
  }

  /** Brings the index up to the database if it moved on (another process or this one wrote). */
  refresh(store: SqliteStore): void {
    if (store.generation() !== this.generation) this.sync(store);
  }

  /**
   * Loads the accepted base if it is not the one in memory (or builds from nothing when there is none, or when
   * `fromScratch`), then applies the tombstones and newer chunks. `rebuilt` says whether no saved base could be used.
   */
  private sync(store: SqliteStore, { fromScratch = false } = {}): void {
    const base = fromScratch ? undefined : acceptedBase(store, this.kbDir, this.embedKey, this.dimensions);
    const stamp = base ? baseStampOf(base.meta, base.upTo) : '';
    if (fromScratch || stamp !== this.baseStamp) {
      this.rebuilt = !(base && this.load(store, base.meta, base.upTo));
      if (this.rebuilt) this.reset(Math.ceil((store.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number) * 1.1));
      this.baseStamp = this.rebuilt ? '' : stamp;
    } else {
      this.rebuilt = false;
    }
    // One read transaction: tombstones and newer chunks of one committed state. Newer chunks are streamed: after
    // a rebuild they are all of them.
    store.db.transaction(() => {
      const generation = store.generation();
      const tombstones = store.db.prepare('SELECT id FROM vector_tombstones WHERE id <= ?').pluck().all(this.upTo) as number[];
      for (const id of tombstones) {
        if (this.applied.has(id)) continue;
        this.applied.add(id);
        this.remove(id);
      }
      const pending = store.db.prepare('SELECT count(*) FROM chunks WHERE id > ?').pluck().get(this.upTo) as number;
      const sequence = chunkSequence(store);
      // CROSS JOIN keeps chunks the outer loop (a rowid range); left to itself the planner walks every vector.
      const newer = store.db
        .prepare('SELECT c.id AS id, v.vector AS vector FROM chunks c CROSS JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE c.id > ? ORDER BY c.id')
        .iterate(this.embedKey, this.upTo) as IterableIterator<{ id: number; vector: Buffer }>;
      // A reader keeps new dense vectors out of the graph (an insert costs half a millisecond) and scans them;
      // sparse ones cost microseconds to add to the columns, which then stay incremental across refreshes.
      if (pending && this.columns?.mode === 'unknown') {
        const first = store.db.prepare('SELECT v.vector FROM chunks c CROSS JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE c.id > ? ORDER BY c.id LIMIT 1').pluck().get(this.embedKey, this.upTo) as Buffer | undefined;
        if (first) this.columns.decide(blobToVector(first));
      }
      if (this.reader && this.usesGraph && pending <= FLAT_MAX) {
        this.flat.fill([...newer]);
      } else {
        this.flat.clear();
        this.capacityHint = Math.max(this.capacityHint, this.index.getCurrentCount() + pending);
        for (const r of newer) this.add(r.id, blobToVector(r.vector));
        this.upTo = Math.max(this.upTo, sequence);
      }
      this.generation = generation;
    })();
  }

  private load(store: SqliteStore, meta: Sidecar, upTo: number): boolean {
    if (meta.graph === false) {
      const columns = this.readColumns(meta.columns);
      if (columns?.mode !== 'sparse') return false;
      this.reset(1024);
      this.columns = columns;
      this.upTo = upTo;
      return true;
    }
    const file = join(this.kbDir, INDEX_FILE);
    try {
      if (!this.fileIsSound(file, meta, () => checkHnswFile(file, this.dimensions, this.hashStepBytes) === undefined)) return false;
      const loaded = new HierarchicalNSW('cosine', this.dimensions);
      loaded.readIndexSync(file, true);
      // hnswlib reads M and efConstruction from the file itself; the sidecar only records them for reporting.
      this.build = { m: meta.m ?? LEGACY_BUILD.m, efConstruction: meta.efConstruction ?? LEGACY_BUILD.efConstruction };
      this.index = loaded;
      this.graphLive = meta.count;
      this.upTo = upTo;
      this.applied = new Set();
      this.columns = this.loadColumns(store, meta.columns, upTo);
      // A graph base of sparse vectors (saved before the columns existed) is searched by its columns from now on:
      // the graph is dropped rather than held unused (gigabytes at a million chunks).
      if (this.columns?.mode === 'sparse') {
        this.index = VectorIndex.empty(this.dimensions, 1024);
        this.graphLive = 0;
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The base's column postings: the saved file when it is sound, none for dense vectors, else (a base saved
   * before they existed, or a damaged file) built from the stored vectors by a writer — a reader searches the
   * graph alone rather than read every vector on open.
   */
  private loadColumns(store: SqliteStore, saved: SavedFile | false | undefined, upTo: number): SparseColumns | undefined {
    if (saved === false) return SparseColumns.ofDense(this.dimensions);
    const read = this.readColumns(saved);
    if (read) return read;
    if (this.reader) return undefined;
    const columns = new SparseColumns(this.dimensions);
    const rows = store.db
      .prepare('SELECT c.id AS id, v.vector AS vector FROM chunks c CROSS JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE c.id <= ? ORDER BY c.id')
      .iterate(this.embedKey, upTo) as Iterable<{ id: number; vector: Buffer }>;
    for (const r of rows) {
      columns.add(r.id, blobToVector(r.vector));
      if (columns.mode === 'dense') break;
    }
    return columns;
  }

  /** The saved column file when it is the one the sidecar describes and reads as columns of this dimension. */
  private readColumns(saved: SavedFile | false | undefined): SparseColumns | undefined {
    const file = join(this.kbDir, COLUMNS_FILE);
    return saved && this.fileIsSound(file, saved, () => true) ? SparseColumns.read(file, this.dimensions) : undefined;
  }

  /** An empty base; the graph is allocated for `capacity` only if the vectors turn out dense. */
  private reset(capacity: number): void {
    this.index = VectorIndex.empty(this.dimensions, 1024);
    this.capacityHint = Math.max(1024, capacity);
    this.columns = new SparseColumns(this.dimensions);
    this.graphLive = 0;
    this.upTo = 0;
    this.applied = new Set();
    this.build = { ...HNSW_BUILD };
  }

  /**
   * Whether a base file is the one the sidecar describes and safe to read. The file this process or another
   * saved (temp file renamed into place, then the sidecar) still has its recorded size and mtime: then only its
   * structure is checked (for vectors.hnsw a read of its link lists, no hash), which is what keeps hnswlib from
   * crashing on a damaged file; vector bytes damaged in place under an unchanged mtime are left to `kb verify`,
   * which hashes the whole file. Any other file (replaced, copied, written to, or an older sidecar) is hashed.
   */
  private fileIsSound(file: string, saved: { bytes: number; sha256: string; mtimeMs?: number }, structureIsSound: () => boolean): boolean {
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return false;
    }
    if (stat.size !== saved.bytes) return false;
    if (saved.mtimeMs !== undefined && stat.mtimeMs === saved.mtimeMs) return structureIsSound();
    const { bytes, sha256 } = hashFile(file, this.hashStepBytes);
    return bytes === saved.bytes && sha256 === saved.sha256;
  }

  /** Builds the graph afresh from every stored vector (kb verify --repair). */
  rebuild(store: SqliteStore): void {
    this.sync(store, { fromScratch: true });
  }

  /** Inserts a chunk newer than the base (a writer: chunk ids only grow, so an id it already reflects is skipped). */
  add(id: number, vector: ArrayLike<number>): void {
    if (id <= this.upTo) return;
    if (vector.length !== this.dimensions) {
      // A damaged stored vector (see blobToVector): left out of search rather than failing every refresh; kb verify reports it.
      this.upTo = id;
      return;
    }
    this.columns?.add(id, vector); // the first vector decides whether the columns or the graph hold them
    if (this.usesGraph) {
      const count = this.index.getCurrentCount();
      if (count + 1 > this.index.getMaxElements()) this.index.resizeIndex(Math.max(this.capacityHint, Math.ceil((count + 1) * 1.25) + 1024));
      this.index.addPoint(Array.from(vector), id, true);
      this.graphLive++;
    }
    this.upTo = id;
  }

  /** Marks a chunk deleted in the base; a label it lacks or has deleted already is no error. */
  remove(id: number): void {
    if (!this.usesGraph) {
      this.columns!.remove(id);
      return;
    }
    try {
      this.index.markDelete(id);
      this.graphLive--;
    } catch {
      // not in this graph, or deleted in the saved file already
    }
  }

  /** Nearest live chunks by cosine similarity (1 = same direction). `allow` restricts the chunk ids considered. */
  search(vector: ArrayLike<number>, k: number, allow?: Set<number>): Array<{ id: number; similarity: number }> {
    const query = Float32Array.from(vector);
    const hits = this.flat.search(query, k, allow);
    const n = Math.min(k, allow ? Math.min(allow.size, this.baseSize) : this.baseSize);
    if (n > 0 && !this.usesGraph) {
      hits.push(...this.columns!.search(query, n, allow));
    } else if (n > 0) {
      this.index.setEf(searchEf(this.size, n));
      const filter = allow ? (label: number) => allow.has(label) : undefined;
      const { neighbors, distances } = this.index.searchKnn(Array.from(query), n, filter);
      neighbors.forEach((id, i) => hits.push({ id, similarity: 1 - distances[i]! }));
    }
    hits.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    return hits.slice(0, k);
  }

  /**
   * Saves a new base: catches up with the database, writes the graph or the columns and then the sidecar (each a
   * temp file renamed into place, so a crash leaves the old base or a detectably unaccepted one, never a torn
   * one), then records the new stamp and drops the tombstones the files now hold, in one transaction.
   */
  save(store: SqliteStore): void {
    this.sync(store);
    const index = join(this.kbDir, INDEX_FILE);
    const sidecar = join(this.kbDir, SIDECAR_FILE);
    const tmpIndex = `${index}.${process.pid}.tmp`;
    const tmpSidecar = `${sidecar}.${process.pid}.tmp`;
    const columnsFile = join(this.kbDir, COLUMNS_FILE);
    const tmpColumns = `${columnsFile}.${process.pid}.tmp`;
    try {
      const graph = this.usesGraph ? this.writeFile(tmpIndex, index, (file) => this.index.writeIndexSync(file)) : undefined;
      let columns: SavedFile | false | undefined;
      if (this.columns?.mode === 'dense') columns = false;
      else if (this.columns) columns = this.writeFile(tmpColumns, columnsFile, (file) => this.columns!.write(file));
      const stamp = randomUUID();
      const meta: Sidecar = {
        embedKey: this.embedKey,
        dimensions: this.dimensions,
        generation: this.generation,
        count: this.baseSize,
        ...(graph ?? { bytes: 0, sha256: '', graph: false }),
        ...this.build,
        upTo: this.upTo,
        stamp,
        columns,
      };
      writeFileSync(tmpSidecar, JSON.stringify(meta));
      renameSync(tmpSidecar, sidecar);
      if (columns === false) rmSync(columnsFile, { force: true });
      if (!graph) rmSync(index, { force: true });
      store.db.transaction(() => {
        store.setMeta(BASE_STAMP_KEY, stamp);
        store.db.prepare('DELETE FROM vector_tombstones WHERE id <= ?').run(this.upTo);
      })();
      this.applied = new Set();
      this.baseStamp = baseStampOf(meta, this.upTo);
    } finally {
      rmSync(tmpIndex, { force: true });
      rmSync(tmpSidecar, { force: true });
      rmSync(tmpColumns, { force: true });
    }
  }

  /** Writes `file` through `tmp` (written, hashed, renamed into place); returns what the sidecar records of it. */
  private writeFile(tmp: string, file: string, write: (path: string) => void): SavedFile {
    write(tmp);
    const { bytes, sha256 } = hashFile(tmp, this.hashStepBytes);
    renameSync(tmp, file);
    return { bytes, sha256, mtimeMs: statSync(file).mtimeMs };
  }

  /** Every live chunk id searched (base and exact change); reads the whole base, for checks and tests. */
  liveIds(): Set<number> {
    const ids = new Set(this.flat.idList());
    if (!this.usesGraph) {
      for (const id of this.columns!.liveLabels()) ids.add(id);
      return ids;
    }
    for (const id of this.index.getIdsList()) {
      try {
        this.index.getPoint(id);
        ids.add(id);
      } catch {
        // marked deleted
      }
    }
    return ids;
  }
}

/** Identifies a saved base in memory: a new save, or a file replaced under the same sidecar, differs. */
function baseStampOf(meta: Sidecar, upTo: number): string {
  const columns = meta.columns ? `${meta.columns.bytes}:${meta.columns.mtimeMs}` : '';
  return `${meta.stamp ?? ''}:${meta.bytes}:${meta.mtimeMs ?? ''}:${columns}:${upTo}`;
}
