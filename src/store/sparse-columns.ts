import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * A first vector with more than this share of non-zero dimensions means dense vectors (Titan, Cohere: all of
 * them), kept in the graph; the offline embedder fills 8% of 1,024 on average and under 40% for the longest chunk
 * at the default chunk size, and 83% for a chunk of 1,500 distinct words (chunking.targetTokens
 * can be set far above the default).
 */
const DENSE_SHARE = 0.9;
const MAGIC = 0x4c43424b; // "KBCL"
const VERSION = 1;
const HEADER_WORDS = 4;

interface Column {
  rows: Int32Array;
  values: Float32Array;
  n: number;
}

/**
 * Column postings of sparse unit vectors: for each dimension, the rows where it is non-zero and their values.
 * The offline embedder (and the emulator's Titan, which reuses it) fills about a twelfth of 1,024 buckets, and a
 * short question three to ten; an exact search then reads only the question's columns, so it costs a fraction of a
 * scan and returns exactly what a full scan would. A graph cannot do this for short questions: most of their
 * exact top ten share no word with them (they score by bucket collisions) and no neighbour route leads there.
 * Held this way a vector costs 8 bytes per non-zero dimension instead of a graph node's 4 per dimension plus links.
 *
 * Rows are chunk ids in ascending order (labels only grow); deletion marks a row, and `write` leaves marked rows out.
 * Whether the vectors are sparse is decided by the first one (`mode`); dense vectors are left to the graph.
 */
export class SparseColumns {
  private labels = new Int32Array(1024);
  private deleted = new Uint8Array(1024);
  private rowCount = 0;
  private live = 0;
  private entries = 0;
  private cols: Column[];
  /** 'unknown' until the first vector (or a saved file) says; nothing is kept for 'dense' vectors. */
  mode: 'unknown' | 'sparse' | 'dense' = 'unknown';
  private scratch?: { acc: Float64Array; seen: Uint8Array; touched: Int32Array };

  constructor(readonly dimensions: number) {
    this.cols = Array.from({ length: dimensions }, () => ({ rows: new Int32Array(0), values: new Float32Array(0), n: 0 }));
  }

  /** Live rows. */
  get size(): number {
    return this.live;
  }

  /** Settles `mode` from a first vector, if not settled yet: dense when nearly all its dimensions are non-zero. */
  decide(vector: ArrayLike<number>): SparseColumns['mode'] {
    if (this.mode !== 'unknown' || vector.length !== this.dimensions) return this.mode;
    let nonZero = 0;
    for (let j = 0; j < this.dimensions; j++) if (vector[j] !== 0) nonZero++;
    if (nonZero > this.dimensions * DENSE_SHARE) this.becomeDense();
    else this.mode = 'sparse';
    return this.mode;
  }

  /** Appends a vector under a label higher than any before (a lower one is ignored: it is already here or deleted). */
  add(label: number, vector: ArrayLike<number>): void {
    if (this.mode === 'dense' || vector.length !== this.dimensions || (this.rowCount && label <= this.labels[this.rowCount - 1]!)) return;
    const d = this.dimensions;
    if (this.decide(vector) === 'dense') return;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += vector[j]! * vector[j]!;
    norm = Math.sqrt(norm) || 1;
    if (this.rowCount === this.labels.length) {
      const size = Math.max(1024, this.rowCount * 2);
      this.labels = grow(this.labels, size);
      this.deleted = grow(this.deleted, size);
    }
    const row = this.rowCount++;
    this.labels[row] = label;
    this.live++;
    for (let j = 0; j < d; j++) {
      const x = vector[j]!;
      if (x === 0) continue;
      const col = this.cols[j]!;
      if (col.n === col.rows.length) {
        const size = Math.max(16, col.n * 2);
        col.rows = grow(col.rows, size);
        col.values = grow(col.values, size);
      }
      col.rows[col.n] = row;
      col.values[col.n++] = x / norm;
      this.entries++;
    }
  }

  /** Columns of vectors known to be dense: nothing kept, every search deferred to the graph. */
  static ofDense(dimensions: number): SparseColumns {
    const columns = new SparseColumns(dimensions);
    columns.becomeDense();
    return columns;
  }

  private becomeDense(): void {
    this.mode = 'dense';
    this.cols = [];
    this.labels = new Int32Array(0);
    this.deleted = new Uint8Array(0);
    this.rowCount = this.live = this.entries = 0;
    this.scratch = undefined;
  }

  /** Marks a label deleted; whether it was live (one it lacks is no error). */
  remove(label: number): boolean {
    const row = this.rowOf(label);
    if (row < 0 || this.deleted[row]) return false;
    this.deleted[row] = 1;
    this.live--;
    return true;
  }

  private rowOf(label: number): number {
    let lo = 0;
    let hi = this.rowCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.labels[mid]!;
      if (at === label) return mid;
      if (at < label) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Live labels, for checks. */
  liveLabels(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.rowCount; r++) if (!this.deleted[r]) out.push(this.labels[r]!);
    return out;
  }

  /**
   * The exact k most cosine-similar live rows, best first, ties by lower label. It reads the query's non-zero
   * columns only: a short question a fraction of the entries, a chunk-long one most of them. Rows that share no
   * non-zero dimension with the query (similarity 0: nothing in common) are not returned, so there may be fewer than k.
   */
  search(query: ArrayLike<number>, k: number, allow?: Set<number>): Array<{ id: number; similarity: number }> {
    const d = this.dimensions;
    let qNorm = 0;
    for (let j = 0; j < d; j++) qNorm += query[j]! * query[j]!;
    if (this.mode !== 'sparse' || !qNorm || k <= 0 || !this.live) return [];
    qNorm = Math.sqrt(qNorm);
    if (!this.scratch || this.scratch.acc.length < this.rowCount) {
      const n = Math.max(1024, this.rowCount * 1.25);
      this.scratch = { acc: new Float64Array(n), seen: new Uint8Array(n), touched: new Int32Array(n) };
    }
    const { acc, seen, touched } = this.scratch;
    let count = 0;
    for (let j = 0; j < d; j++) {
      const w = query[j]!;
      if (w === 0) continue;
      const { rows, values, n } = this.cols[j]!;
      for (let p = 0; p < n; p++) {
        const r = rows[p]!;
        acc[r]! += w * values[p]!;
        if (!seen[r]) {
          seen[r] = 1;
          touched[count++] = r;
        }
      }
    }
    const best = new TopK(k);
    for (let t = 0; t < count; t++) {
      const r = touched[t]!;
      if (acc[r] !== 0 && !this.deleted[r] && (!allow || allow.has(this.labels[r]!))) best.offer(r, acc[r]!);
      acc[r] = 0;
      seen[r] = 0;
    }
    return best.rows().map(({ row, score }) => ({ id: this.labels[row]!, similarity: score / qNorm }));
  }

  /** Writes the live rows to `file` (the layout `read` checks), one column at a time; returns the bytes written. */
  write(file: string): number {
    const renumber = new Int32Array(this.rowCount);
    const labels = new Int32Array(this.live);
    let next = 0;
    for (let r = 0; r < this.rowCount; r++) {
      renumber[r] = this.deleted[r] ? -1 : next;
      if (!this.deleted[r]) labels[next++] = this.labels[r]!;
    }
    const lengths = this.cols.map(({ rows, n }) => {
      let m = 0;
      for (let p = 0; p < n; p++) if (renumber[rows[p]!]! >= 0) m++;
      return m;
    });
    const fd = openSync(file, 'w');
    let bytes = 0;
    const put = (part: Int32Array | Float32Array) => {
      const view = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
      for (let done = 0; done < view.length; ) done += writeSync(fd, view, done);
      bytes += view.length;
    };
    try {
      put(Int32Array.from([MAGIC, VERSION, this.dimensions, labels.length, ...lengths]));
      put(labels);
      this.cols.forEach(({ rows, values, n }, j) => {
        const outRows = new Int32Array(lengths[j]!);
        const outValues = new Float32Array(lengths[j]!);
        let m = 0;
        for (let p = 0; p < n; p++) {
          const r = renumber[rows[p]!]!;
          if (r < 0) continue;
          outRows[m] = r;
          outValues[m++] = values[p]!;
        }
        put(outRows);
        put(outValues);
      });
    } finally {
      closeSync(fd);
    }
    return bytes;
  }

  /** Columns read from a file `write` made, or undefined when it is not one for `dimensions` (damaged, truncated). */
  static read(file: string, dimensions: number): SparseColumns | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      const header = new Int32Array(HEADER_WORDS + dimensions);
      if (size < header.byteLength) return undefined;
      readInto(fd, header, 0);
      const [magic, version, dims, rowCount] = header;
      if (magic !== MAGIC || version !== VERSION || dims !== dimensions || rowCount! < 0) return undefined;
      const lengths = header.subarray(HEADER_WORDS);
      let entries = 0;
      for (const n of lengths) entries += n < 0 || n > rowCount! ? Number.NaN : n;
      if (size !== header.byteLength + 4 * rowCount! + 8 * entries) return undefined;
      const out = new SparseColumns(dimensions);
      out.labels = new Int32Array(rowCount!);
      out.deleted = new Uint8Array(rowCount!);
      let at = readInto(fd, out.labels, header.byteLength);
      for (let r = 1; r < rowCount!; r++) if (out.labels[r]! <= out.labels[r - 1]!) return undefined;
      for (let j = 0; j < dimensions; j++) {
        const n = lengths[j]!;
        const col = { rows: new Int32Array(n), values: new Float32Array(n), n };
        at = readInto(fd, col.rows, at);
        at = readInto(fd, col.values, at);
        // Rows must be in range and ascending: a damaged file must not index outside the scratch arrays.
        for (let p = 0; p < n; p++) if (col.rows[p]! >= rowCount! || col.rows[p]! < (p ? col.rows[p - 1]! + 1 : 0)) return undefined;
        out.cols[j] = col;
      }
      out.rowCount = out.live = rowCount!;
      out.entries = entries;
      if (rowCount) out.mode = 'sparse';
      return out;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** Reads exactly `into`'s bytes from `fd` at `position`; returns the position after them. */
function readInto(fd: number, into: Int32Array | Float32Array, position: number): number {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error('short read');
    done += n;
  }
  return position + done;
}

function grow<T extends Int32Array | Float32Array | Uint8Array>(a: T, size: number): T {
  const out = new (a.constructor as new (n: number) => T)(size);
  out.set(a);
  return out;
}

/** The k best (row, score) pairs, best first; equal scores rank the lower row first. */
class TopK {
  private readonly r: number[] = [];
  private readonly s: number[] = [];
  constructor(private readonly k: number) {}

  offer(row: number, score: number): void {
    const { r, s, k } = this;
    const full = r.length === k;
    if (full && (score < s[k - 1]! || (score === s[k - 1]! && row > r[k - 1]!))) return;
    let p = full ? k - 1 : r.length;
    while (p > 0 && (s[p - 1]! < score || (s[p - 1]! === score && r[p - 1]! > row))) {
      s[p] = s[p - 1]!;
      r[p] = r[p - 1]!;
      p--;
    }
    s[p] = score;
    r[p] = row;
  }

  rows(): Array<{ row: number; score: number }> {
    return this.r.map((row, i) => ({ row, score: this.s[i]! }));
  }
}
