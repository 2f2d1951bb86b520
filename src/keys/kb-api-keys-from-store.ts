import type { KbApiKeys } from '../bedrock-kb-api/authenticate-request.js';
import type { KeyStore } from './key-store.js';

/** The Bedrock-compatible API's view of the key store. */
export function kbApiKeysFromStore(store: KeyStore): KbApiKeys {
  return {
    get enabled() {
      return store.enabled();
    },
    secretFor: (name) => store.secretFor(name),
    principalFor: (name) => store.principalFor(name),
    bearer: (token) => store.authenticate(token),
  };
}
