import { ipKeyGenerator, MemoryStore, type Options } from 'express-rate-limit';
import { createFailedAuthLimiter, type FailedAuthLimiterOptions } from './failed-auth-limiter.js';

/**
 * The limits of the routes that authenticate keys themselves (/mcp, /v1/collections, the Bedrock-compatible
 * API), as the REST routes have them: an address that sent too many invalid keys is refused before its key is
 * looked at, and each key has server.rateLimitPerMinute requests a minute across these routes.
 */
export interface KeyGate {
  /** Seconds until the address may present a key again, or 0. */
  blockedFor(address: string): number;
  recordFailure(address: string): void;
  /** Counts a request of an authenticated key (or of an address when auth is off); seconds to wait when over the limit, else 0. */
  hit(client: string): Promise<number>;
  close(): void;
}

/**
 * A client address as the limits count it: an IPv4-mapped IPv6 address as its IPv4 form (one client reaches
 * the dual-protocol port and the Express app under both spellings), an IPv6 address by its /56.
 */
export function clientAddress(remote: string | undefined): string {
  const address = remote ?? 'unknown';
  return ipKeyGenerator(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
}

export function createKeyGate({ perMinute, failedLogins = {} }: { perMinute: number; failedLogins?: FailedAuthLimiterOptions }): KeyGate {
  const failures = createFailedAuthLimiter(failedLogins);
  const now = failedLogins.now ?? Date.now;
  // express-rate-limit's store, as the REST limiter uses: fixed one-minute windows per client.
  const store = new MemoryStore();
  store.init({ windowMs: 60_000 } as Options);
  return {
    blockedFor: (address) => failures.blockedFor(address),
    recordFailure: (address) => failures.recordFailure(address),
    async hit(client) {
      const { totalHits, resetTime } = await store.increment(client);
      return totalHits > perMinute ? Math.max(1, Math.ceil(((resetTime?.getTime() ?? now() + 60_000) - now()) / 1000)) : 0;
    },
    close: () => store.shutdown(),
  };
}
