import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { checkHnswFile } from './check-hnsw-file.js';
import { HASH_STEP_BYTES, hashFile } from './hash-file.js';
import { blobToVector, type SqliteStore } from './sqlite-store.js';

const { HierarchicalNSW } = hnswlib;

/** Graph settings new indexes are built with (the file keeps its own M and efConstruction once written). */
export const HNSW_BUILD = { m: 16, efConstruction: 100 } as const;
/** Settings of indexes saved before the sidecar recorded them. */
const LEGACY_BUILD = { m: 12, efConstruction: 40 } as const;

/**
 * Search breadth for an index of `n` live vectors: 200 up to 1,000 vectors, plus 100 per doubling beyond,
 * capped at 2,000, and never below `k`. Keeps recall@10 near exact search as the graph grows.
 */
export function searchEf(n: number, k: number): number {
  const ef = 200 + 100 * Math.log2(Math.max(n, 1000) / 1000);
  return Math.max(k, Math.min(2000, Math.max(200, Math.ceil(ef))));
}

interface Sidecar {
  embedKey: string;
  dimensions: number;
  generation: number;
  count: number;
  /** Size and SHA-256 of vectors.hnsw: hnswlib trusts its input and can crash on a damaged file. */
  bytes: number;
  sha256: string;
  /** Modification time of vectors.hnsw as saved (absent in older sidecars): while it and the size match, open skips the hash. */
  mtimeMs?: number;
  /** Build settings of the saved graph; absent in sidecars written before they were recorded (then 12 / 40). */
  m?: number;
  efConstruction?: number;
}

/**
 * The HNSW index, derived from the vectors in SQLite. Labels are chunk ids (never reused, so a marked-deleted
 * label can never come back as another chunk). The file on disk carries the database generation it reflects;
 * when that differs from the database, or the file is missing or unreadable, the index is rebuilt.
 */
export class VectorIndex {
  private index: InstanceType<typeof HierarchicalNSW>;
  /** Live labels; after a load, read from the database only when first needed (a search needs only their number). */
  private liveSet: Set<number> | undefined = new Set();
  private liveCount = 0;
  private loadLive: () => number[] = () => [];
  /** Generation of the database this index reflects. */
  generation = -1;
  rebuilt = false;
  /** M and efConstruction of the graph in memory (a loaded file keeps the settings it was built with). */
  build: { m: number; efConstruction: number } = { ...HNSW_BUILD };

  private constructor(
    private readonly kbDir: string,
    readonly embedKey: string,
    readonly dimensions: number,
    private readonly hashStepBytes: number,
    private readonly lazyLive: boolean,
  ) {
    this.index = VectorIndex.empty(dimensions, 1024);
  }

  private static empty(dimensions: number, capacity: number) {
    const index = new HierarchicalNSW('cosine', dimensions);
    index.initIndex({ maxElements: capacity, m: HNSW_BUILD.m, efConstruction: HNSW_BUILD.efConstruction, randomSeed: 42, allowReplaceDeleted: true });
    return index;
  }

  /**
   * Loads the saved index if it matches the database, else rebuilds it from the stored vectors.
   * `hashStepBytes` is the read step of the file checksum (tests shrink it to exercise the stepped read).
   * `lazyLive` (search only) defers reading the live ids from the database until a refresh needs them; a writer
   * must not use it, since it removes ids the database no longer has.
   */
  static open(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number, { hashStepBytes = HASH_STEP_BYTES, lazyLive = false } = {}): VectorIndex {
    const vi = new VectorIndex(kbDir, embedKey, dimensions, hashStepBytes, lazyLive);
    if (!vi.tryLoad(store)) vi.rebuild(store);
    return vi;
  }

  get size(): number {
    return this.liveSet?.size ?? this.liveCount;
  }

  private get live(): Set<number> {
    return (this.liveSet ??= new Set(this.loadLive()));
  }

  private set live(ids: Set<number>) {
    this.liveSet = ids;
  }

  /**
   * Whether the saved index is for this model and the database's current generation, by its sidecar and the
   * file's size (a stat, no read): what a run that wrote nothing checks before deciding it need not save.
   * Loading still verifies the checksum; this only avoids rewriting an index nothing changed.
   */
  static savedIsCurrent(store: Pick<SqliteStore, 'generation'>, kbDir: string, embedKey: string): boolean {
    try {
      const meta = JSON.parse(readFileSync(join(kbDir, 'vectors.json'), 'utf8')) as Sidecar;
      return meta.embedKey === embedKey && meta.generation === store.generation() && statSync(join(kbDir, 'vectors.hnsw')).size === meta.bytes;
    } catch {
      return false;
    }
  }

  private paths() {
    return { index: join(this.kbDir, 'vectors.hnsw'), sidecar: join(this.kbDir, 'vectors.json') };
  }

  private tryLoad(store: SqliteStore): boolean {
    const { index, sidecar } = this.paths();
    if (!existsSync(index) || !existsSync(sidecar)) return false;
    try {
      const meta = JSON.parse(readFileSync(sidecar, 'utf8')) as Sidecar;
      const generation = store.generation();
      if (meta.embedKey !== this.embedKey || meta.dimensions !== this.dimensions || meta.generation !== generation) return false;
      if (!this.fileIsSound(index, meta)) return false;
      const loaded = new HierarchicalNSW('cosine', this.dimensions);
      loaded.readIndexSync(index, true);
      // Deleted labels stay in getIdsList, so the live set comes from the database; counts must agree. Every chunk
      // has a vector unless the database is damaged, so a chunk count (no join over the vectors' pages) decides the
      // usual case and the live ids are read when a write or refresh needs them; otherwise they are counted now.
      const liveIdsOf = () => store.db.prepare('SELECT c.id FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash').pluck().all(this.embedKey) as number[];
      const chunks = this.lazyLive ? (store.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number) : -1;
      const liveIds = chunks === meta.count ? undefined : liveIdsOf();
      if (liveIds && liveIds.length !== meta.count) return false;
      // hnswlib reads M and efConstruction from the file itself; the sidecar only records them for reporting.
      this.build = { m: meta.m ?? LEGACY_BUILD.m, efConstruction: meta.efConstruction ?? LEGACY_BUILD.efConstruction };
      this.index = loaded;
      this.liveSet = liveIds && new Set(liveIds);
      this.liveCount = meta.count;
      this.loadLive = liveIdsOf;
      this.generation = generation;
      this.rebuilt = false;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Whether vectors.hnsw is the file the sidecar describes and safe to hand to hnswlib. The file this process
   * or another saved (temp file renamed into place, then the sidecar) still has its recorded size and mtime:
   * then only its structure is checked (a read of its link lists, no hash), which is what keeps hnswlib from
   * crashing on a damaged file; vector bytes damaged in place under an unchanged mtime are left to `kb verify`,
   * which hashes the whole file. Any other file (replaced, copied, written to, or an older sidecar) is hashed.
   */
  private fileIsSound(index: string, meta: Sidecar): boolean {
    const stat = statSync(index);
    if (stat.size !== meta.bytes) return false;
    if (meta.mtimeMs !== undefined && stat.mtimeMs === meta.mtimeMs) return checkHnswFile(index, this.dimensions, this.hashStepBytes) === undefined;
    const { bytes, sha256 } = hashFile(index, this.hashStepBytes);
    return bytes === meta.bytes && sha256 === meta.sha256;
  }

  rebuild(store: SqliteStore): void {
    const generation = store.generation();
    const items = [...store.liveVectors(this.embedKey)];
    this.index = VectorIndex.empty(this.dimensions, Math.max(1024, Math.ceil(items.length * 1.25)));
    this.live = new Set();
    this.build = { ...HNSW_BUILD };
    for (const { id, vector } of items) this.add(id, vector);
    this.generation = generation;
    this.rebuilt = true;
  }

  /**
   * Brings the index up to date if the database moved on since it was loaded (another process wrote): from the
   * saved file when it matches, else by applying the difference in live chunks (a writer mid-run has not saved
   * yet, and a full rebuild per query would be ruinous on a large index).
   */
  refresh(store: SqliteStore): void {
    const generation = store.generation();
    if (generation === this.generation || this.tryLoad(store)) return;
    const dbLive = new Set(store.db.prepare('SELECT c.id FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash').pluck().all(this.embedKey) as number[]);
    if (!this.liveSet) {
      // Loaded lazily: the labels in the graph include those the file had marked deleted, which are never live
      // again (chunk ids are not reused), so deleting what the database lacks (if not deleted already) is exact.
      const labels = this.index.getIdsList();
      for (const id of labels) {
        if (dbLive.has(id)) continue;
        try {
          this.index.markDelete(id);
        } catch {
          // already marked deleted in the saved file
        }
      }
      this.liveSet = new Set(labels.filter((id) => dbLive.has(id)));
    }
    for (const id of [...this.live]) if (!dbLive.has(id)) this.remove(id);
    const missing = [...dbLive].filter((id) => !this.live.has(id));
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      const rows = store.db
        .prepare(`SELECT c.id AS id, v.vector AS vector FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE c.id IN (${part.map(() => '?').join(',')})`)
        .all(this.embedKey, ...part) as Array<{ id: number; vector: Buffer }>;
      for (const r of rows) this.add(r.id, blobToVector(r.vector));
    }
    this.generation = generation;
    this.rebuilt = false;
  }

  add(id: number, vector: ArrayLike<number>): void {
    if (this.live.has(id)) return;
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) this.index.resizeIndex(Math.ceil(this.index.getMaxElements() * 1.5) + 1024);
    this.index.addPoint(Array.from(vector), id, true);
    this.live.add(id);
  }

  remove(id: number): void {
    if (!this.live.delete(id)) return;
    this.index.markDelete(id);
  }

  /** Nearest live chunks by cosine similarity (1 = same direction). `allow` restricts the labels considered. */
  search(vector: ArrayLike<number>, k: number, allow?: Set<number>): Array<{ id: number; similarity: number }> {
    const n = Math.min(k, allow ? Math.min(allow.size, this.size) : this.size);
    if (n <= 0) return [];
    this.index.setEf(searchEf(this.size, n));
    const filter = allow ? (label: number) => allow.has(label) : undefined;
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), n, filter);
    return neighbors.map((id, i) => ({ id, similarity: 1 - distances[i]! }));
  }

  /** Writes the index then its sidecar, each to a temp file renamed into place, so a crash leaves a detectably stale index, never a torn one. */
  save(generation: number): void {
    const { index, sidecar } = this.paths();
    const tmpIndex = `${index}.${process.pid}.tmp`;
    const tmpSidecar = `${sidecar}.${process.pid}.tmp`;
    try {
      this.index.writeIndexSync(tmpIndex);
      const { bytes, sha256 } = hashFile(tmpIndex, this.hashStepBytes);
      renameSync(tmpIndex, index);
      const { mtimeMs } = statSync(index);
      const meta: Sidecar = { embedKey: this.embedKey, dimensions: this.dimensions, generation, count: this.size, bytes, sha256, mtimeMs, ...this.build };
      writeFileSync(tmpSidecar, JSON.stringify(meta));
      renameSync(tmpSidecar, sidecar);
      this.generation = generation;
    } finally {
      rmSync(tmpIndex, { force: true });
      rmSync(tmpSidecar, { force: true });
    }
  }

  liveIds(): Set<number> {
    return new Set(this.live);
  }
}
