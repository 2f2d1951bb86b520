import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { type ApiKey, type Role, sha256Hex } from './api-keys.js';
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
export function createAuth(keys: ApiKey[], failedLogins: FailedAuthLimiterOptions = {}) {
  const failures = createFailedAuthLimiter(failedLogins);
  const hashes = keys.map((k) => ({ principal: { id: k.id, role: k.role } satisfies Principal, hash: Buffer.from(k.keySha256, 'hex') }));

  /** Compares the presented key's hash with every configured one, so timing reveals neither which nor how much matched. */
  const identify = (presented: string): Principal | undefined => {
    const hash = Buffer.from(sha256Hex(presented), 'hex');
    let found: Principal | undefined;
    for (const k of hashes) if (timingSafeEqual(hash, k.hash) && !found) found = k.principal;
    return found;
  };

  return {
    enabled: keys.length > 0,
    /** Middleware: 401 without a valid key, 403 when the key's role is below `role`. */
    require(role: Role): RequestHandler {
      return (req, _res, next) => {
        if (!hashes.length) {
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
