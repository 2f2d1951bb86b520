import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KbError, LoadError } from '../errors.js';
import type { LoadedDocument } from '../types.js';
import { type LoadLimits, formatOf, loadDocument } from './loaders/load-document.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

export interface ParsePoolOptions {
  /** Parser threads at most; they start on first use and are reused from file to file. */
  size: number;
  /** Heap limit of each parser thread (V8 old generation), in MB. */
  memoryMb: number;
  limits: LoadLimits;
  /** Text and Markdown files up to this size are parsed in-thread: their parsing is linear and quick. */
  inThreadBytes?: number;
}

export interface ParseCall {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ParsePool {
  /** Parses one document; rejects with LoadError (timeout, memory limit, parser failure) or an AbortError. */
  parse(path: string, data: Buffer, call: ParseCall): Promise<LoadedDocument>;
  /** Stops every parser thread. */
  close(): Promise<void>;
}

// The compiled worker: when this module runs from TypeScript sources (tests), that is the build in dist/.
const WORKER_FILE = fileURLToPath(import.meta.url.endsWith('.ts') ? new URL('../../dist/src/ingest/parse-worker.js', import.meta.url) : new URL('./parse-worker.js', import.meta.url));

/**
 * Document parsing off the indexing thread. A parser that blocks its thread cannot be timed out from that
 * thread, so parsing runs in worker threads with a heap limit: on timeout, on abort, or when the heap limit is
 * hit, the worker is terminated, only that file fails, and a fresh worker takes the next file.
 */
export function createParsePool({ size, memoryMb, limits, inThreadBytes = 0 }: ParsePoolOptions): ParsePool {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const waiting: Array<() => void> = [];
  let live = 0;
  let nextId = 0;

  const spawn = (): Worker => {
    if (!existsSync(WORKER_FILE)) throw new KbError('PARSER_MISSING', `The document parser ${WORKER_FILE} is missing; run npm run build.`, { exitCode: 3 });
    const worker = new Worker(WORKER_FILE, { resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    worker.unref(); // an idle parser must not keep the process alive; a busy one is awaited with a timer
    all.add(worker);
    return worker;
  };
  const acquire = async (): Promise<Worker> => {
    for (;;) {
      const worker = idle.pop();
      if (worker) return worker;
      if (live < size) {
        live++;
        try {
          return spawn();
        } catch (error) {
          live--;
          throw error;
        }
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const release = (worker: Worker, reusable: boolean) => {
    if (reusable) idle.push(worker);
    else {
      all.delete(worker);
      void worker.terminate();
      live--;
    }
    waiting.shift()?.();
  };

  const inWorker = async (path: string, data: Buffer, { timeoutMs, signal }: ParseCall): Promise<LoadedDocument> => {
    const worker = await acquire();
    if (signal?.aborted) {
      release(worker, true);
      throw stopped();
    }
    return new Promise<LoadedDocument>((resolve, reject) => {
      const id = ++nextId;
      let settled = false;
      const finish = (reusable: boolean, outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        release(worker, reusable);
        outcome();
      };
      const onMessage = (reply: ParseReply) => {
        if (reply.id !== id) return;
        if ('doc' in reply) finish(true, () => resolve(reply.doc));
        else if ('error' in reply) finish(true, () => reject(new LoadError(path, reply.error.reason, { code: reply.error.code })));
        else finish(true, () => reject(new Error(reply.unexpected)));
      };
      const onError = (error: Error & { code?: string }) =>
        finish(false, () =>
          reject(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new LoadError(path, `too large to parse within the ${memoryMb} MB memory limit (ingest.parserMemoryMb); not indexed`, { code: 'PARSE_OUT_OF_MEMORY', cause: error })
              : new LoadError(path, `the parser failed (${error.message})`, { code: 'PARSE_FAILED', cause: error }),
          ),
        );
      const onExit = (code: number) => finish(false, () => reject(new LoadError(path, `the parser stopped unexpectedly (exit code ${code})`, { code: 'PARSE_FAILED' })));
      const onAbort = () => finish(false, () => reject(stopped()));
      const timer = setTimeout(
        () => finish(false, () => reject(new LoadError(path, `parsing took longer than ${timeoutMs / 1000} s (ingest.fileTimeoutMs); skipped`, { code: 'TIMEOUT' }))),
        timeoutMs,
      );
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      const request: ParseRequest = { id, path, data, limits };
      worker.postMessage(request);
    });
  };

  return {
    async parse(path, data, call) {
      if (call.signal?.aborted) throw stopped();
      const format = formatOf(path);
      if (data.length <= inThreadBytes && (format === 'markdown' || format === 'text')) return loadDocument(path, data, limits);
      return inWorker(path, data, call);
    },
    async close() {
      const workers = [...all];
      all.clear();
      idle.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function stopped(): Error {
  return new DOMException('The run was stopped', 'AbortError');
}
