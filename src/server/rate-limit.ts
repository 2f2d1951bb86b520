import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { TooManyRequestsError } from './http-errors.js';

/**
 * Requests per minute per API key, or per client address when auth is off. Runs after auth so a key is
 * limited wherever it comes from. The 429 is raised as an error so it becomes problem+json in the one handler.
 */
export function createRateLimit(perMinute: number): { middleware: RequestHandler; close(): void } {
  const store = new MemoryStore();
  const middleware = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    // draft-7, not draft-8: draft-8 hashes the client key into a header on every request.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    keyGenerator: (req) => (req.principal && req.principal.id !== 'anonymous' ? `key:${req.principal.id}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
    handler: (req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After')) || 60;
      next(new TooManyRequestsError(`More than ${perMinute} requests in a minute from ${req.principal?.id !== 'anonymous' ? `key "${req.principal?.id}"` : 'this address'}; retry in ${retryAfter} s.`, retryAfter));
    },
  });
  return { middleware, close: () => store.shutdown() };
}
