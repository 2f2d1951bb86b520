import { setMaxListeners } from 'node:events';

/**
 * A signal that follows `parent` for many concurrent users. Each SDK request and each backoff wait adds an
 * abort listener for its duration; hundreds of them on the run's own signal set off Node's
 * MaxListenersExceededWarning. Here the parent gets one listener, removed by `dispose`, and the child has no
 * listener limit (its users are bounded by the work in flight, and each removes its listener when done).
 */
export function fanOutSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!parent) return { signal: undefined, dispose: () => {} };
  const child = new AbortController();
  setMaxListeners(0, child.signal);
  const forward = () => child.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { signal: child.signal, dispose: () => parent.removeEventListener('abort', forward) };
}
