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

/**
 * The float32 values of a stored vector, dense or sparse; empty when the blob is neither form (damaged: a length
 * that is not whole floats, or a sparse header that its length, dimension or indices contradict). Callers compare
 * the length with the index's dimension, so a damaged vector is left out of search, and `kb verify` reports it.
 */
export function blobToVector(b: Uint8Array): Float32Array {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!isSparseBlob(view)) return view.length % 4 ? new Float32Array(0) : new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  const dims = sparseDimensions(view);
  if (dims === undefined) return new Float32Array(0);
  const nonZero = view.readUInt32LE(8);
  const indexBytes = (2 * nonZero + 3) & ~3;
  const out = new Float32Array(dims);
  for (let n = 0; n < nonZero; n++) out[view.readUInt16LE(HEADER_BYTES + 2 * n)] = view.readFloatLE(HEADER_BYTES + indexBytes + 4 * n);
  return out;
}

function isSparseBlob(b: Buffer): boolean {
  return b.length >= HEADER_BYTES && b.readUInt32LE(0) === SPARSE_MAGIC;
}

/** A sparse blob's dimension when its header, length and indices agree, else undefined. */
function sparseDimensions(view: Buffer): number | undefined {
  const dims = view.readUInt32LE(4);
  const nonZero = view.readUInt32LE(8);
  if (dims > 65_536 || nonZero > dims || view.length !== HEADER_BYTES + ((2 * nonZero + 3) & ~3) + 4 * nonZero) return undefined;
  for (let n = 0; n < nonZero; n++) if (view.readUInt16LE(HEADER_BYTES + 2 * n) >= dims) return undefined;
  return dims;
}

/** The dimension a stored vector has (for checks), or undefined when the blob is neither form. */
export function blobDimensions(b: Uint8Array): number | undefined {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!isSparseBlob(view)) return view.length % 4 === 0 ? view.length / 4 : undefined;
  return sparseDimensions(view);
}
