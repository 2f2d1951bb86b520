import { randomUUID } from 'node:crypto';
import type { ChatTurn } from '../types.js';

interface Session {
  owner: string;
  collection: string;
  turns: ChatTurn[];
  touchedAt: number;
}

export interface SessionStoreOptions {
  /** The service keeps a session 24 hours after its last use. */
  ttlMs?: number;
  maxSessions?: number;
  /** Turns kept per session: the answerer's query rewrite reads only the last few. */
  maxTurns?: number;
  now?: () => number;
}

/**
 * RetrieveAndGenerate conversations by sessionId, in memory. A session belongs to the key and collection that
 * started it: another key presenting its id gets the same answer as for an unknown id.
 */
export function createSessionStore({ ttlMs = 24 * 3_600_000, maxSessions = 10_000, maxTurns = 20, now = Date.now }: SessionStoreOptions = {}) {
  const sessions = new Map<string, Session>();
  const live = (s: Session | undefined) => s && now() - s.touchedAt < ttlMs ? s : undefined;

  return {
    /** The session's earlier turns, or undefined when the id is unknown, expired or not this caller's. */
    history(id: string, owner: string, collection: string): ChatTurn[] | undefined {
      const s = live(sessions.get(id));
      return s && s.owner === owner && s.collection === collection ? [...s.turns] : undefined;
    },
    /** Records a turn; returns the session id (a new one when `id` is undefined). */
    record(id: string | undefined, owner: string, collection: string, question: string, answer: string): string {
      const sessionId = id ?? randomUUID();
      const s = sessions.get(sessionId) ?? { owner, collection, turns: [], touchedAt: now() };
      s.turns.push({ role: 'user', content: question }, { role: 'assistant', content: answer });
      s.turns.splice(0, Math.max(0, s.turns.length - maxTurns));
      s.touchedAt = now();
      // Re-inserted so the Map's order is least recently used first.
      sessions.delete(sessionId);
      sessions.set(sessionId, s);
      while (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value!);
      return sessionId;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
