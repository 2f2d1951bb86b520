// A parse-pool worker: parses one document per message. It runs in its own thread with a heap limit, so a
// parser that loops or balloons can be terminated without touching the indexer.
import { parentPort } from 'node:worker_threads';
import { LoadError } from '../errors.js';
import { type LoadLimits, loadDocument } from './loaders/load-document.js';
import type { LoadedDocument } from '../types.js';

export interface ParseRequest {
  id: number;
  path: string;
  data: Uint8Array;
  limits: LoadLimits;
}

export type ParseReply =
  | { id: number; doc: LoadedDocument }
  | { id: number; error: { reason: string; code: string } }
  | { id: number; unexpected: string };

parentPort?.on('message', async ({ id, path, data, limits }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id, doc: await loadDocument(path, Buffer.from(data.buffer, data.byteOffset, data.byteLength), limits) };
  } catch (error) {
    reply = error instanceof LoadError ? { id, error: { reason: error.reason, code: error.code } } : { id, unexpected: (error as Error)?.message ?? String(error) };
  }
  parentPort!.postMessage(reply);
});
