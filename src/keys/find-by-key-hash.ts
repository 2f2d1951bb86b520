import { createHash, timingSafeEqual } from 'node:crypto';

/** A key's record as it is stored: the SHA-256 of the key, never the key. */
export interface HashedKey<T> {
  sha256: Buffer;
  value: T;
}

/**
 * The record whose hash is the presented key's, compared with every record in constant time, so timing reveals
 * neither which key matched nor how much of one did. The one matcher of the REST keys, the key store and the
 * integrations' bearer tokens.
 */
export function findByKeyHash<T>(presented: string, records: Iterable<HashedKey<T>>): T | undefined {
  const hash = createHash('sha256').update(presented).digest();
  let found: T | undefined;
  for (const r of records) if (r.sha256.length === hash.length && timingSafeEqual(hash, r.sha256) && found === undefined) found = r.value;
  return found;
}
