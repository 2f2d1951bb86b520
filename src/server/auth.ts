import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { findByKeyHash } from '../keys/find-by-key-hash.js';
import type { ApiKey, Role } from './api-keys.js';
import { DEFAULT_COLLECTION } from '../collections/collection-catalog.js';
import { accessFilter, roleIn, type ScopedPrincipal } from '../collections/scope.js';
import { createFailedAuthLimiter, type FailedAuthLimiterOptions } from './failed-auth-limiter.js';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from './http-errors.js';

export interface Principal {
  /** Key id, or "anonymous" when auth is off. */
  id: string;
  role: Role;
  /** The key's access tags for store queries (see ScopedPrincipal.access); absent: every document. */
  visibleTo?: string[];
}

const ANONYMOUS: Principal = { id: 'anonymous', role: 'admin' };

/** Keys of the key store (kb keys), scoped per collection; `enabled` once it holds any. */
export interface ScopedKeys {
  readonly enabled: boolean;
  bearer(token: string): ScopedPrincipal | undefined;
}

/**
 * Bearer-key auth with roles: reader may query, retrieve, list and get; admin may do everything. REST keys
 * (server.apiKeys, KB_API_KEYS) have their role on every collection, key-store keys the role their scopes give
 * (`scoped`). With no keys anywhere auth is off and every caller is an anonymous admin (start-server allows
 * that only on loopback unless --insecure-no-auth).
 */
export function createAuth(keys: ApiKey[], failedLogins: FailedAuthLimiterOptions = {}, scoped?: ScopedKeys) {
  const failures = createFailedAuthLimiter(failedLogins);
  const hashes = keys.map((k) => ({ value: { name: k.id, scopes: { '*': k.role } } satisfies ScopedPrincipal, sha256: Buffer.from(k.keySha256, 'hex') }));
  const identify = (presented: string): ScopedPrincipal | undefined => findByKeyHash(presented, hashes) ?? scoped?.bearer(presented);
  const enabled = () => hashes.length > 0 || !!scoped?.enabled;

  return {
    /** Keys are required (some are configured, here or in the key store, which may gain its first key later). */
    get enabled() {
      return enabled();
    },
    /**
     * Middleware: 401 without a valid key, 403 when the key's role in `collection` is below `role`. A key with
     * no role in a named collection gets `hidden`'s error (the 404 of an unknown route): it never learns the
     * collection exists. On the default collection, which every server has, that is a 403.
     */
    require(role: Role, collection = DEFAULT_COLLECTION, hidden?: (req: Request) => Error): RequestHandler {
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
        const key = identify(match[1]!);
        if (!key) {
          failures.recordFailure(address);
          return next(new UnauthorizedError('The API key is not valid.', { invalidToken: true }));
        }
        const granted = roleIn(key, collection);
        if (!granted) {
          if (hidden) return next(hidden(req));
          return next(new ForbiddenError(`This key may not read the ${collection} collection; use a key with a role on "${collection}" or "*" (kb keys create --collection ${collection}).`));
        }
        const visibleTo = accessFilter(key);
        req.principal = { id: key.name, role: granted, ...(visibleTo ? { visibleTo } : {}) };
        if (role === 'admin' && granted !== 'admin') return next(new ForbiddenError(`This needs an admin key; key "${key.name}" is a ${granted} key.`));
        next();
      };
    },
  };
}
