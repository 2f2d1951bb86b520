import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { findByKeyHash } from '../keys/find-by-key-hash.js';
import type { ApiKey, Role } from './api-keys.js';
import { DEFAULT_COLLECTION } from '../collections/collection-catalog.js';
import { roleIn, type ScopedPrincipal } from '../collections/scope.js';
import { createFailedAuthLimiter, type FailedAuthLimiterOptions } from './failed-auth-limiter.js';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from './http-errors.js';

export interface Principal {
  /** Key id, or "anonymous" when auth is off. */
  id: string;
  role: Role;
}

const ANONYMOUS: Principal = { id: 'anonymous', role: 'admin' };

/**
 * Bearer-key auth with roles: reader may query, retrieve, list and get; admin may do everything. With no
 * keys configured auth is off and every caller is an anonymous admin (start-server allows that only on
 * loopback unless --insecure-no-auth).
 */
/** Keys of the key store (kb keys), scoped per collection; `enabled` once it holds any. */
export interface ScopedKeys {
  readonly enabled: boolean;
  bearer(token: string): ScopedPrincipal | undefined;
}

export function createAuth(keys: ApiKey[], failedLogins: FailedAuthLimiterOptions = {}, scoped?: ScopedKeys) {
  const failures = createFailedAuthLimiter(failedLogins);
  const hashes = keys.map((k) => ({ value: { id: k.id, role: k.role } satisfies Principal, sha256: Buffer.from(k.keySha256, 'hex') }));
  const identify = (presented: string): Principal | null | undefined => {
    const rest = findByKeyHash(presented, hashes);
    if (rest || !scoped) return rest;
    const key = scoped.bearer(presented);
    if (!key) return undefined;
    // The REST routes serve the default collection: a key-store key acts with its role there, if it has one.
    const role = roleIn(key, DEFAULT_COLLECTION);
    return role ? { id: key.name, role } : null;
  };
  const enabled = () => hashes.length > 0 || !!scoped?.enabled;

  return {
    /** Keys are required (some are configured, here or in the key store, which may gain its first key later). */
    get enabled() {
      return enabled();
    },
    /** Middleware: 401 without a valid key, 403 when the key's role is below `role`. */
    require(role: Role): RequestHandler {
      return (req, _res, next) => {
        if (!enabled()) {
          req.principal = ANONYMOUS;
          return next();
        }
        // Before the key is checked, so a guesser learns nothing more once refused, not even when a guess is right.
        const address = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
        const wait = failures.blockedFor(address);
        if (wait) return next(new TooManyRequestsError(`Too many invalid API keys from this address; retry in ${wait} s.`, wait));
        const header = req.get('authorization') ?? '';
        const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
        if (!match) return next(new UnauthorizedError('Send an API key as "Authorization: Bearer <key>".'));
        const principal = identify(match[1]!);
        if (principal === null) return next(new ForbiddenError(`This key may not read the default collection; use a key with a role on "${DEFAULT_COLLECTION}" or "*" (kb keys create --collection ${DEFAULT_COLLECTION}).`));
        if (!principal) {
          failures.recordFailure(address);
          return next(new UnauthorizedError('The API key is not valid.', { invalidToken: true }));
        }
        req.principal = principal;
        if (role === 'admin' && principal.role !== 'admin') return next(new ForbiddenError(`This needs an admin key; key "${principal.id}" is a ${principal.role} key.`));
        next();
      };
    },
  };
}
