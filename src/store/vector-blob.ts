/**
 * How a vector is stored in SQLite. Dense vectors are their float32 values (dimensions × 4 bytes). A vector with at
 * most a quarter of its dimensions non-zero (the offline embedder fills about 8% of 1,024) is stored sparse: a
 * header — a float32 NaN no embedder produces as a first value, then the dimension and the count of non-zero
 * values, each a uint32 — then their indices (uint16, padded to 4 bytes) and values (float32). A 1,024-d offline
 * vector takes about 520 bytes instead of 4,096; both forms decode to the same float32 values.
 */
const SPARSE_MAGIC = 0x7fc04b53; // a quiet NaN as float32, bytes 53 4B C0 7F
const HEADER_BYTES = 12;

export function vectorToBlob(v: ArrayLike<number>): Buffer {
  const f = Float32Array.from(v);
  let nonZero = 0;
  for (const x of f) if (x !== 0) nonZero++;
  if (f.length > 65_536 || nonZero > f.length / 4) return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  const indexBytes = (2 * nonZero + 3) & ~3;
  const out = Buffer.alloc(HEADER_BYTES + indexBytes + 4 * nonZero);
  out.writeUInt32LE(SPARSE_MAGIC, 0);
  out.writeUInt32LE(f.length, 4);
  out.writeUInt32LE(nonZero, 8);
  let n = 0;
  for (let j = 0; j < f.length; j++) {
    if (f[j] === 0) continue;
    out.writeUInt16LE(j, HEADER_BYTES + 2 * n);
    out.writeFloatLE(f[j]!, HEADER_BYTES + indexBytes + 4 * n);
    n++;
  }
  return out;
}

/** The float32 values of a stored vector, dense or sparse (a malformed sparse blob decodes to what it holds in range). */
export function blobToVector(b: Uint8Array): Float32Array {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!isSparseBlob(view)) return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  const dims = view.readUInt32LE(4);
  const nonZero = view.readUInt32LE(8);
  const indexBytes = (2 * nonZero + 3) & ~3;
  const out = new Float32Array(Math.min(dims, 65_536));
  if (view.length !== HEADER_BYTES + indexBytes + 4 * nonZero) return out;
  for (let n = 0; n < nonZero; n++) {
    const j = view.readUInt16LE(HEADER_BYTES + 2 * n);
    if (j < out.length) out[j] = view.readFloatLE(HEADER_BYTES + indexBytes + 4 * n);
  }
  return out;
}

function isSparseBlob(b: Buffer): boolean {
  return b.length >= HEADER_BYTES && b.readUInt32LE(0) === SPARSE_MAGIC;
}

/** The dimension a stored vector has (for checks), or undefined when the blob is neither form. */
export function blobDimensions(b: Uint8Array): number | undefined {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!isSparseBlob(view)) return view.length % 4 === 0 ? view.length / 4 : undefined;
  const nonZero = view.readUInt32LE(8);
  return view.length === HEADER_BYTES + ((2 * nonZero + 3) & ~3) + 4 * nonZero ? view.readUInt32LE(4) : undefined;
}
