/** Options for counting invalid API keys per client address. */
export interface FailedAuthLimiterOptions {
  /** Invalid keys allowed per address per window before the address is refused until the window ends. */
  maxFailures?: number;
  windowMs?: number;
  /** Milliseconds clock; injected by tests. */
  now?: () => number;
  /** Addresses tracked at once; the oldest window goes first, so a flood of addresses cannot grow memory. */
  maxAddresses?: number;
}

export interface FailedAuthLimiter {
  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number;
  recordFailure(address: string): void;
}

/**
 * Fixed-window count of failed logins per address, checked before a key is looked at: once an address has
 * guessed wrong `maxFailures` times it is refused, right key or not, until its window ends. Successes never count.
 */
export function createFailedAuthLimiter({ maxFailures = 20, windowMs = 60_000, now = Date.now, maxAddresses = 10_000 }: FailedAuthLimiterOptions = {}): FailedAuthLimiter {
  const windows = new Map<string, { failures: number; endsAt: number }>();
  const current = (address: string) => {
    const w = windows.get(address);
    if (w && w.endsAt <= now()) {
      windows.delete(address);
      return undefined;
    }
    return w;
  };
  return {
    blockedFor(address) {
      const w = current(address);
      return w && w.failures >= maxFailures ? Math.max(1, Math.ceil((w.endsAt - now()) / 1000)) : 0;
    },
    recordFailure(address) {
      const w = current(address);
      if (w) {
        w.failures++;
        return;
      }
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value!);
      windows.set(address, { failures: 1, endsAt: now() + windowMs });
    },
  };
}
