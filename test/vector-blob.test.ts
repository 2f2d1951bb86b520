import { describe, expect, it } from 'vitest';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { mulberry32 } from '../src/seeded-random.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { blobDimensions, blobToVector, vectorToBlob } from '../src/store/vector-blob.js';
import { verifyStore } from '../src/store/verify-store.js';
import { tempDir } from './temp-dir.js';

// Sparse vectors are stored in SQLite as indices and values; dense ones as float32. Both decode to the same values.
describe('vector blobs', () => {
  it('store an offline vector in an eighth of the dense size and decode it to the same float32 values', () => {
    const vector = new LocalHashEmbeddings().embedSync('Expense reports are due within thirty days of travel; receipts over twenty-five dollars are required.');
    const blob = vectorToBlob(vector);
    expect(blob.length).toBeLessThan(4096 / 8);
    expect(blobDimensions(blob)).toBe(1024);
    expect(Array.from(blobToVector(blob))).toEqual(Array.from(Float32Array.from(vector)));
  });

  it('store dense vectors as float32, and any vector past a quarter non-zero as dense', () => {
    const random = mulberry32(3);
    const dense = Array.from({ length: 64 }, () => random() - 0.5);
    expect(vectorToBlob(dense).length).toBe(256);
    expect(Array.from(blobToVector(vectorToBlob(dense)))).toEqual(Array.from(Float32Array.from(dense)));
    const quarter = Array.from({ length: 64 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    expect(vectorToBlob(quarter).length, 'a quarter non-zero: sparse').toBeLessThan(256);
    const more = quarter.map((x, i) => (i === 1 ? 1 : x));
    expect(vectorToBlob(more).length).toBe(256);
    for (const v of [quarter, more, new Array(64).fill(0)]) expect(Array.from(blobToVector(vectorToBlob(v)))).toEqual(v);
  });

  it('decode a damaged blob of either form to no vector, without throwing, and verify names vectors of the wrong dimension', async () => {
    const good = vectorToBlob(Array.from({ length: 32 }, (_, i) => (i === 5 ? 0.5 : 0)));
    expect(blobToVector(good)).toHaveLength(32);
    const truncated = good.subarray(0, good.length - 2);
    expect(blobDimensions(truncated)).toBeUndefined();
    expect(blobToVector(truncated)).toHaveLength(0);
    const outOfRange = Buffer.from(good);
    outOfRange.writeUInt16LE(60_000, 12);
    expect(blobDimensions(outOfRange)).toBeUndefined();
    expect(blobToVector(outOfRange)).toHaveLength(0);
    const lyingDims = Buffer.from(good);
    lyingDims.writeUInt32LE(3, 4); // index 5 of a 3-d vector
    expect(blobToVector(lyingDims)).toHaveLength(0);
    const ragged = Buffer.alloc(4 * 32 + 2, 1); // dense, but not whole floats
    expect(blobDimensions(ragged)).toBeUndefined();
    expect(blobToVector(ragged)).toHaveLength(0);

    const kbDir = tempDir('kb-blob-');
    const kb = openSqliteKbStore(kbDir);
    await kb.setIndexInfo({ embedding: { model: 'blob-model', dimensions: 32 } });
    await kb.putVectors('blob-model@32', [
      { hash: 'a', vector: Array.from({ length: 32 }, (_, i) => (i === 1 ? 1 : 0)) },
      { hash: 'b', vector: Array.from({ length: 32 }, () => 0.1) },
    ]);
    await kb.close();
    const store = openStore(kbDir);
    try {
      expect(verifyStore(store, kbDir).problems.filter((p) => p.check === 'vector dimensions')).toEqual([]);
      store.db.prepare("INSERT INTO vectors (embed_key, text_hash, vector) VALUES ('blob-model@32', 'c', ?), ('blob-model@32', 'd', ?), ('blob-model@32', 'e', ?)")
        .run(vectorToBlob(new Array(16).fill(0).map((_, i) => (i ? 0 : 1))), vectorToBlob(new Array(16).fill(0.2)), truncated);
      expect(verifyStore(store, kbDir).problems.filter((p) => p.check === 'vector dimensions').map((p) => p.detail)).toEqual(['3 vector(s) are not 32-dimensional']);
    } finally {
      store.close();
    }
  });
});
