import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { KbError } from '../errors.js';
import type { AnsweredQuestion } from './answer-question.js';

/** Answers by cache key, in a SQLite file of their own beside the knowledge base. */
export interface AnswerCache {
  /** The answer stored under `key`, unless it is older than the TTL (an expired entry is deleted). */
  get(key: string): AnsweredQuestion | undefined;
  /** Stores `answer`; past maxEntries, the least recently used entries go. */
  put(key: string, answer: AnsweredQuestion): void;
  /** Entries held, expired ones included until they are next touched. */
  size(): number;
  close(): void;
}

export interface AnswerCacheOptions {
  /** The cache database, e.g. <kbDir>/answer-cache.sqlite. */
  file: string;
  ttlSeconds: number;
  maxEntries: number;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now?: () => number;
}

/** The cache file could not be opened or written (a read-only kb dir, a corrupt file). */
export class AnswerCacheError extends KbError {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super('ANSWER_CACHE_UNAVAILABLE', `The answer cache ${file} cannot be used (${(cause as Error).message}). Make the folder writable, delete the file, or set answer.cache.enabled to false (env KB_ANSWER_CACHE=false).`, { cause, exitCode: 3, httpStatus: 500 });
    this.file = file;
  }
}

export function openAnswerCache({ file, ttlSeconds, maxEntries, now = Date.now }: AnswerCacheOptions): AnswerCache {
  let db: Database.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: 5_000 });
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL, created_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL)');
    db.exec('CREATE INDEX IF NOT EXISTS answers_used ON answers(used_ms)');
  } catch (error) {
    throw new AnswerCacheError(file, error);
  }
  const select = db.prepare<[string], { answer: string; created_ms: number }>('SELECT answer, created_ms FROM answers WHERE key = ?');
  const touch = db.prepare('UPDATE answers SET used_ms = ? WHERE key = ?');
  const remove = db.prepare('DELETE FROM answers WHERE key = ?');
  const upsert = db.prepare('INSERT OR REPLACE INTO answers(key, answer, created_ms, used_ms) VALUES (?, ?, ?, ?)');
  const purgeExpired = db.prepare('DELETE FROM answers WHERE created_ms <= ?');
  const evict = db.prepare('DELETE FROM answers WHERE key IN (SELECT key FROM answers ORDER BY used_ms DESC, rowid DESC LIMIT -1 OFFSET ?)');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM answers');
  const ttlMs = ttlSeconds * 1000;

  const write = db.transaction((key: string, answer: string, at: number) => {
    upsert.run(key, answer, at, at);
    purgeExpired.run(at - ttlMs);
    evict.run(maxEntries);
  });

  function guarded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw new AnswerCacheError(file, error);
    }
  }

  return {
    get: (key) =>
      guarded(() => {
        const row = select.get(key);
        if (!row) return undefined;
        const at = now();
        if (row.created_ms <= at - ttlMs) {
          remove.run(key);
          return undefined;
        }
        touch.run(at, key);
        return JSON.parse(row.answer) as AnsweredQuestion;
      }),
    put: (key, answer) => guarded(() => write(key, JSON.stringify(answer), now())),
    size: () => guarded(() => count.get()?.n ?? 0),
    close: () => db.close(),
  };
}
