import { mulberry32 } from '../seeded-random.js';
import { ServiceError, throttlingError } from './service-error.js';

/** Faults the emulator injects into model calls; all can be changed while it runs. */
export interface Faults {
  /** Added to every model call before it is answered. */
  latencyMs: number;
  /** Requests-per-minute quota, enforced as a rate with one second of burst; 0 means no quota. */
  rpm: number;
  /** Fraction (0–1) of calls throttled at random. */
  throttleRate: number;
  /** Fraction (0–1) of calls failing with a transient error (ServiceUnavailable / ModelNotReady, alternating). */
  errorRate: number;
  /** An outage after this many calls have passed (every later call fails with ServiceUnavailable); 0 means never. */
  outageAfterCalls?: number;
}

export interface FaultInjector {
  readonly faults: Faults;
  set(partial: Partial<Faults>): void;
  /** The error this call should fail with, if any; a call that passes counts against the quota. */
  check(now?: number): ServiceError | undefined;
  reset(): void;
}

/**
 * The quota is a token bucket refilled at rpm/60 per second holding one second's worth (at least one request).
 * A plain 60 s window would let a client spend a minute's quota in a burst and then starve, which is neither
 * how a rate quota behaves for a sustained workload nor useful for measuring how close a client runs to it.
 */
function createBucket() {
  let tokens = 0;
  let last = 0;
  let rate = 0;
  return {
    take(rpm: number, now: number): boolean {
      const capacity = Math.max(1, Math.ceil(rpm / 60));
      if (rate !== rpm) {
        rate = rpm;
        tokens = capacity;
        last = now;
      }
      tokens = Math.min(capacity, tokens + ((now - last) * rpm) / 60_000);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    reset() {
      rate = 0;
    },
  };
}

/** Seeded, so a test that sets throttleRate 0.5 sees the same sequence of outcomes on every run. */
export function createFaultInjector(initial: Faults, seed = 1): FaultInjector {
  const faults = { ...initial };
  let random = mulberry32(seed);
  const bucket = createBucket();
  let transientErrors = 0;
  let passed = 0;
  return {
    faults,
    set(partial) {
      Object.assign(faults, Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)));
    },
    check(now = Date.now()) {
      // One draw per call: [0, throttleRate) throttles, the next errorRate of the range fails.
      const draw = random();
      if (draw < faults.throttleRate) return throttlingError();
      if (draw < faults.throttleRate + faults.errorRate) return transientErrors++ % 2 === 0 ? serviceUnavailable() : modelNotReady();
      if (faults.outageAfterCalls && passed >= faults.outageAfterCalls) return serviceUnavailable();
      if (faults.rpm > 0 && !bucket.take(faults.rpm, now)) return throttlingError();
      passed++;
      return undefined;
    },
    reset() {
      random = mulberry32(seed);
      bucket.reset();
      transientErrors = 0;
      passed = 0;
    },
  };
}

function serviceUnavailable(): ServiceError {
  return new ServiceError('ServiceUnavailableException', 503, 'Bedrock is unable to process your request.');
}

/** 429 per the service model (the SDK's error schema), though it is not a quota error. */
function modelNotReady(): ServiceError {
  return new ServiceError(
    'ModelNotReadyException',
    429,
    'Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times.',
  );
}
