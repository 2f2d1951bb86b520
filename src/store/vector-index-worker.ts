import { parentPort } from 'node:worker_threads';
import { openStore, type SqliteStore } from './sqlite-store.js';
import { VectorIndex } from './vector-index.js';

/** Messages from `openVectorIndexWriter`; processed in order, so a save follows every add sent before it. */
export type WriterMessage =
  | { op: 'open'; kbDir: string; embedKey: string; dimensions: number }
  | { op: 'add'; ids: number[]; vectors: Float32Array }
  | { op: 'save' }
  | { op: 'close' };

let store: SqliteStore | undefined;
let index: VectorIndex | undefined;

parentPort?.on('message', (msg: WriterMessage) => {
  try {
    switch (msg.op) {
      case 'open':
        store = openStore(msg.kbDir);
        index = VectorIndex.open(store, msg.kbDir, msg.embedKey, msg.dimensions);
        parentPort!.postMessage({ op: 'opened' });
        break;
      case 'add': {
        const dims = index!.dimensions;
        msg.ids.forEach((id, i) => index!.add(id, msg.vectors.subarray(i * dims, (i + 1) * dims)));
        break;
      }
      case 'save':
        index!.save(store!);
        parentPort!.postMessage({ op: 'saved' });
        break;
      case 'close':
        store?.close();
        parentPort!.close();
        break;
    }
  } catch (error) {
    parentPort!.postMessage({ op: 'error', message: (error as Error).message });
  }
});
