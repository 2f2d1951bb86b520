import { OverloadedError } from './http-errors.js';

/**
 * A cap on answers being generated at once. Beyond it a request is refused at once with 503 and Retry-After
 * rather than queued: a queue in front of a throttled model only grows, and the client can back off better
 * than we can hold its connection.
 */
export function createModelCallLimiter(max: number, { retryAfterSec = 2 } = {}) {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    /** Takes a slot or throws OverloadedError; call the returned function exactly once to give it back. */
    acquire(): () => void {
      if (inFlight >= max) {
        throw new OverloadedError(`The server is already generating ${max} answers (server.maxConcurrentModelCalls); retry in ${retryAfterSec} s.`, retryAfterSec);
      }
      inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight--;
      };
    },
  };
}

export type ModelCallLimiter = ReturnType<typeof createModelCallLimiter>;
