import type { Request } from 'express';
import type { KbApiKeys } from '../bedrock-kb-api/authenticate-request.js';
import { ANONYMOUS_PRINCIPAL, type ScopedPrincipal } from '../collections/scope.js';
import { TooManyRequestsError } from './http-errors.js';
import { clientAddress, type KeyGate } from './key-gate.js';

/**
 * Bearer authentication for /mcp and /v1/collections behind the gate's limits: an address locked out for
 * invalid keys is refused (429) before its key is read, an invalid key counts against its address, and each
 * key (or, with auth off, each address) has its requests per minute. Resolves undefined for a missing or
 * invalid key (the route answers 401).
 */
export function gatedBearer(keys: KbApiKeys, gate: KeyGate): (req: Request) => Promise<ScopedPrincipal | undefined> {
  return async (req) => {
    const address = clientAddress(req.socket?.remoteAddress);
    let principal: ScopedPrincipal | undefined = ANONYMOUS_PRINCIPAL;
    if (keys.enabled) {
      const blocked = gate.blockedFor(address);
      if (blocked) throw new TooManyRequestsError(`Too many invalid API keys from this address; retry in ${blocked} s.`, blocked);
      const token = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      principal = token ? keys.bearer(token) : undefined;
      if (!principal) {
        if (token) gate.recordFailure(address);
        return undefined;
      }
    }
    const client = keys.enabled ? `key:${principal.name}` : `ip:${address}`;
    const wait = await gate.hit(client);
    if (wait) throw new TooManyRequestsError(`More requests in a minute than server.rateLimitPerMinute allows from ${keys.enabled ? `key "${principal.name}"` : 'this address'}; retry in ${wait} s.`, wait);
    return principal;
  };
}
