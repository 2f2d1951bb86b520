import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

export type Role = 'reader' | 'admin';

/** An API key as the server keeps it: the SHA-256 of the key, never the key. */
export interface ApiKey {
  id: string;
  role: Role;
  keySha256: string;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const ID = /^[\w.-]{1,64}$/;
/** Short keys can be guessed; 16 characters of a random token is the least we accept. */
const MIN_KEY_CHARS = 16;

/**
 * Parses KB_API_KEYS: comma-separated `id:role:key` entries, e.g. `ci:reader:3f9c…,ops:admin:a81e…`. The key
 * is everything after the second colon. Keys are hashed at once; errors name the entry, never the key.
 */
export function parseApiKeys(raw: string | undefined): ApiKey[] {
  if (!raw?.trim()) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      // Entry number only until the entry has the full id:role:key shape: a bare key (no colons) or a key in the
      // id's place would otherwise be echoed into the error, and from there into logs and terminals.
      if (first < 0 || second < 0) throw new ConfigError(`KB_API_KEYS entry ${i + 1} is not id:role:key (e.g. ci:reader:$(openssl rand -hex 32)); it is not shown, in case it is a key.`);
      const id = entry.slice(0, first);
      const role = entry.slice(first + 1, second);
      const key = entry.slice(second + 1);
      const shaped = ID.test(id) && (role === 'reader' || role === 'admin');
      const where = `KB_API_KEYS entry ${i + 1}${shaped ? ` (id "${id}")` : ''}`;
      if (!ID.test(id)) throw new ConfigError(`${where}: the id must be 1-64 letters, digits, dots, dashes or underscores.`);
      if (role !== 'reader' && role !== 'admin') throw new ConfigError(`${where}: role must be reader or admin.`);
      if (key.length < MIN_KEY_CHARS) throw new ConfigError(`${where}: the key is shorter than ${MIN_KEY_CHARS} characters; use a random token (openssl rand -hex 32).`);
      return { id, role, keySha256: sha256Hex(key) };
    });
}

/** Keys from kb.config.json (`server.apiKeys`, already hashed) and KB_API_KEYS; an id may appear once. */
export function mergeApiKeys(...lists: ApiKey[][]): ApiKey[] {
  const all = lists.flat();
  const seen = new Set<string>();
  for (const k of all) {
    if (seen.has(k.id)) throw new ConfigError(`API key id "${k.id}" is defined twice (server.apiKeys and KB_API_KEYS).`);
    seen.add(k.id);
  }
  return all;
}
