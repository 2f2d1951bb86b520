import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/seeded-random.js';
import { SparseColumns } from '../src/store/sparse-columns.js';
import { tempDir } from './temp-dir.js';

// Column postings answer short queries exactly: every result here is held against a brute-force scan.
const DIMS = 128;

function sparseVectors(count: number, nonZero: number, seed: number): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const v = new Array<number>(DIMS).fill(0);
    for (let i = 0; i < nonZero; i++) v[Math.floor(random() * DIMS)] = random() < 0.5 ? -(1 + random()) : 1 + random();
    return v;
  });
}

/** Brute-force cosine top k over live labels (ties by lower label), the ground truth. */
function exactTopK(rows: Map<number, number[]>, query: number[], k: number, allow?: Set<number>) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  const q = norm(query);
  return [...rows]
    .filter(([id]) => !allow || allow.has(id))
    .map(([id, v]) => ({ id, similarity: v.reduce((s, x, j) => s + x * query[j]!, 0) / (norm(v) * q) }))
    .filter((h) => h.similarity !== 0)
    .sort((a, b) => b.similarity - a.similarity || a.id - b.id)
    .slice(0, k);
}

function expectSame(actual: Array<{ id: number; similarity: number }> | undefined, expected: Array<{ id: number; similarity: number }>) {
  expect(actual).toBeDefined();
  expect(actual!.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  actual!.forEach((h, i) => expect(h.similarity).toBeCloseTo(expected[i]!.similarity, 5));
}

function filled(count = 3000) {
  const columns = new SparseColumns(DIMS);
  const rows = new Map<number, number[]>();
  // Labels with gaps, as chunk ids are after deletions.
  sparseVectors(count, 10, 1).forEach((v, i) => {
    const label = 5 + i * 3;
    columns.add(label, v);
    rows.set(label, v);
  });
  return { columns, rows };
}

describe('sparse column postings', () => {
  it('return exactly the brute-force top k, with deletions and an allow-list', () => {
    const { columns, rows } = filled();
    const queries = sparseVectors(40, 3, 2);
    for (const q of queries) expectSame(columns.search(q, 10), exactTopK(rows, q, 10));

    for (const label of [...rows.keys()].filter((_, i) => i % 4 === 0)) {
      columns.remove(label);
      rows.delete(label);
    }
    columns.remove(999_999); // a label it never had: no error
    expect(columns.size).toBe(rows.size);
    const allow = new Set([...rows.keys()].filter((_, i) => i % 2 === 1));
    for (const q of queries) {
      expectSame(columns.search(q, 10), exactTopK(rows, q, 10));
      expectSame(columns.search(q, 5, allow), exactTopK(rows, q, 5, allow));
    }
  });

  it('survive a write and a read, leaving deleted rows out of the file, and keep growing after it', () => {
    const dir = tempDir('kb-cols-');
    const { columns, rows } = filled();
    for (const label of [...rows.keys()].slice(0, 500)) {
      columns.remove(label);
      rows.delete(label);
    }
    const file = join(dir, 'vectors.cols');
    const bytes = columns.write(file);
    expect(readFileSync(file).length).toBe(bytes);
    const read = SparseColumns.read(file, DIMS)!;
    expect(read.size).toBe(rows.size);
    expect(read.liveLabels()).toEqual([...rows.keys()]);
    const queries = sparseVectors(30, 4, 3);
    for (const q of queries) expectSame(read.search(q, 10), exactTopK(rows, q, 10));

    const more = sparseVectors(50, 10, 4);
    more.forEach((v, i) => {
      read.add(100_000 + i, v);
      rows.set(100_000 + i, v);
    });
    read.add(5, more[0]!); // below the highest label: already held or deleted, ignored
    for (const q of queries) expectSame(read.search(q, 10), exactTopK(rows, q, 10));
  });

  it('read nothing from a damaged, truncated or foreign file', () => {
    const dir = tempDir('kb-cols-bad-');
    const { columns } = filled(400);
    const file = join(dir, 'vectors.cols');
    columns.write(file);
    const good = readFileSync(file);
    expect(SparseColumns.read(file, DIMS)).toBeDefined();
    expect(SparseColumns.read(file, DIMS * 2)).toBeUndefined();

    truncateSync(file, good.length - 4);
    expect(SparseColumns.read(file, DIMS)).toBeUndefined();

    const badMagic = Buffer.from(good);
    badMagic[0]! ^= 0xff;
    writeFileSync(file, badMagic);
    expect(SparseColumns.read(file, DIMS)).toBeUndefined();

    // A row index past the end (the first column's first entry, after the header and the labels).
    const badRow = Buffer.from(good);
    const firstColumn = (4 + DIMS + 400) * 4;
    badRow.writeInt32LE(1_000_000, firstColumn);
    writeFileSync(file, badRow);
    expect(SparseColumns.read(file, DIMS)).toBeUndefined();

    writeFileSync(file, 'not a column file');
    expect(SparseColumns.read(file, DIMS)).toBeUndefined();
    expect(SparseColumns.read(join(dir, 'absent.cols'), DIMS)).toBeUndefined();
  });

  it('are decided by the first vector: nothing is kept for dense ones', () => {
    const dense = new SparseColumns(DIMS);
    const random = mulberry32(5);
    expect(dense.mode).toBe('unknown');
    for (let i = 1; i <= 30; i++) dense.add(i, Array.from({ length: DIMS }, () => random() - 0.5));
    expect(dense.mode).toBe('dense');
    expect(dense.size).toBe(0);
    expect(dense.search(sparseVectors(1, 3, 6)[0]!, 10)).toEqual([]);

    const { columns } = filled(10);
    expect(columns.mode).toBe('sparse');
  });

  it('leave out a vector of another length (what a damaged stored vector decodes to), deciding nothing by it', () => {
    const columns = new SparseColumns(DIMS);
    columns.add(1, new Float32Array(0));
    columns.add(2, new Array(DIMS + 5).fill(1));
    expect(columns.mode).toBe('unknown');
    const [good] = sparseVectors(1, 4, 8);
    columns.add(3, good!);
    expect(columns.mode).toBe('sparse');
    expect(columns.size).toBe(1);
    expect(columns.search(good!, 10).map((h) => h.id)).toEqual([3]);
  });
});
