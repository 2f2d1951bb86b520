import type { KbApiKeys } from '../bedrock-kb-api/authenticate-request.js';
import type { ScopedPrincipal } from '../collections/scope.js';
import type { ApiKey } from '../server/api-keys.js';
import type { KeyStore } from './key-store.js';
import { findByKeyHash } from './find-by-key-hash.js';
import { kbApiKeysFromStore } from './kb-api-keys-from-store.js';

/**
 * The keys `kb serve` accepts on /mcp, /v1/collections and the Bedrock-compatible routes: the scoped key store,
 * plus the REST keys (KB_API_KEYS, server.apiKeys) as Bearer tokens with their role on every collection. REST
 * keys are stored as hashes only, so SigV4 (which needs the key) works with key-store keys alone. Auth is on
 * when either has keys.
 */
export function serverKbApiKeys(store: KeyStore, restKeys: ApiKey[]): KbApiKeys {
  const fromStore = kbApiKeysFromStore(store);
  const rest = restKeys.map((k) => ({ sha256: Buffer.from(k.keySha256, 'hex'), value: { name: k.id, scopes: { '*': k.role } } satisfies ScopedPrincipal }));
  return {
    get enabled() {
      return restKeys.length > 0 || fromStore.enabled;
    },
    secretFor: fromStore.secretFor,
    principalFor: fromStore.principalFor,
    bearer(token): ScopedPrincipal | undefined {
      return fromStore.bearer(token) ?? findByKeyHash(token, rest);
    },
  };
}
