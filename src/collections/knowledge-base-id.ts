import { createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The 10-character id a collection answers to on the Bedrock-compatible API (Bedrock's ids are 10 upper-case
 * letters and digits, e.g. "AB12CD34EF"). Derived from the name so it is the same after every restart and on
 * every replica, without being stored.
 */
export function knowledgeBaseIdFor(collection: string): string {
  const digest = createHash('sha256').update(`kb-collection:${collection}`).digest();
  let id = '';
  for (let i = 0; i < 10; i++) id += ALPHABET[digest[i]! % ALPHABET.length];
  return id;
}

export const KNOWLEDGE_BASE_ID = /^[0-9a-zA-Z]{10}$/;
