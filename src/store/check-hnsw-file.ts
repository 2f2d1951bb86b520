import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes of hnswlib's file header (hnswalg.h saveIndex: six size_t, an int, a uint, three size_t, a double, a size_t). */
const HEADER_BYTES = 96;

/**
 * Whether vectors.hnsw is structurally sound for hnswlib (0.8 file layout, as hnswlib-node 3 writes it) at this
 * dimension, read in steps of `stepBytes`: header fields consistent with each other and the dimension, the
 * exact file size they imply, every link count within M's bound, every neighbour id an existing element, and
 * every upper-level neighbour present at that level. hnswlib itself checks only the size, and follows links
 * unchecked: a damaged link makes it read outside its memory and crash the process. What this cannot see is
 * damage to vector values or labels, which gives wrong results but no crash (`kb verify` checks the SHA-256).
 * Returns the reason when unsound.
 */
export function checkHnswFile(path: string, dimensions: number, stepBytes: number): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_BYTES) return 'shorter than its header';
    const h = Buffer.alloc(HEADER_BYTES);
    readSync(fd, h, 0, HEADER_BYTES, 0);
    const n = (at: number) => Number(h.readBigUInt64LE(at));
    const [offsetLevel0, maxElements, count, perElement, labelOffset, offsetData] = [0, 8, 16, 24, 32, 40].map(n) as [number, number, number, number, number, number];
    const maxLevel = h.readInt32LE(48);
    const entry = h.readUInt32LE(52);
    const [maxM, maxM0, m] = [56, 64, 72].map(n) as [number, number, number];
    const level0Links = maxM0 * 4 + 4;
    const upperLinks = maxM * 4 + 4;
    if (offsetLevel0 !== 0 || m < 2 || m > 10_000 || maxM !== m || maxM0 !== 2 * m || offsetData !== level0Links || labelOffset !== level0Links + dimensions * 4
      || perElement !== labelOffset + 8 || count > maxElements || maxLevel > 64 || (count > 0 && (maxLevel < 0 || entry >= count))) return 'inconsistent header';
    const level0End = HEADER_BYTES + count * perElement;
    if (level0End > size) return 'shorter than its elements';

    // Level 0: links at the start of each element's block.
    const perStep = Math.max(1, Math.floor(stepBytes / perElement));
    // Element blocks are whole multiples of 4 bytes (links, float32 values, a uint64 label): read as uint32 words.
    const buffer = Buffer.allocUnsafeSlow(perStep * perElement);
    for (let first = 0; first < count; first += perStep) {
      const take = Math.min(perStep, count - first);
      if (readSync(fd, buffer, 0, take * perElement, HEADER_BYTES + first * perElement) !== take * perElement) return 'short read';
      const words = new Uint32Array(buffer.buffer, buffer.byteOffset, (take * perElement) >> 2);
      for (let e = 0; e < take; e++) {
        const at = (e * perElement) >> 2;
        const links = words[at]! & 0xffff;
        if (links > maxM0) return `element ${first + e}: bad level-0 links`;
        for (let i = 1; i <= links; i++) if (words[at + i]! >= count) return `element ${first + e}: bad level-0 links`;
      }
    }

    // Upper levels: per element a byte count, then its levels' link lists; read at once (a few bytes per element).
    const tailBytes = size - level0End;
    if (tailBytes < 4 * count || tailBytes > count * (4 + upperLinks * Math.max(0, maxLevel))) return 'link lists of the wrong size';
    const tail = Buffer.allocUnsafeSlow(tailBytes);
    if (readSync(fd, tail, 0, tailBytes, level0End) !== tailBytes) return 'short read';
    const levels = new Uint8Array(count);
    const upper: Array<{ element: number; lists: Buffer }> = [];
    let at = 0;
    for (let e = 0; e < count; e++) {
      if (at + 4 > tailBytes) return 'shorter than its link lists';
      const bytes = tail.readUInt32LE(at);
      at += 4;
      if (bytes % upperLinks !== 0 || bytes / upperLinks > maxLevel || at + bytes > tailBytes) return `element ${e}: bad link list size`;
      levels[e] = bytes / upperLinks;
      if (bytes) upper.push({ element: e, lists: tail.subarray(at, at + bytes) });
      at += bytes;
    }
    if (at !== tailBytes) return 'longer than its contents';
    if (count > 0 && levels[entry] !== maxLevel) return 'entry point not on the top level';
    for (const { element, lists } of upper) {
      for (let level = 1; level <= levels[element]!; level++) {
        const offset = (level - 1) * upperLinks;
        if (badLinks(lists, offset, maxM, count)) return `element ${element}: bad level-${level} links`;
        for (let i = 0; i < lists.readUInt16LE(offset); i++) if (levels[lists.readUInt32LE(offset + 4 + 4 * i)]! < level) return `element ${element}: level-${level} link to a lower element`;
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A link list (a uint16 count, flag bytes, then uint32 ids) with too many links or a link outside the index. */
function badLinks(buffer: Buffer, offset: number, max: number, count: number): boolean {
  const links = buffer.readUInt16LE(offset);
  if (links > max) return true;
  for (let i = 0; i < links; i++) if (buffer.readUInt32LE(offset + 4 + 4 * i) >= count) return true;
  return false;
}
