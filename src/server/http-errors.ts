import { KbError } from '../errors.js';

/**
 * Failures that only exist over HTTP. They are KbErrors so the one problem handler maps them like every
 * other error; `retryAfterSec` becomes the Retry-After header.
 */
export class UnauthorizedError extends KbError {
  /** Value of WWW-Authenticate (RFC 6750): says whether a key was missing or wrong. */
  readonly challenge: string;
  constructor(message: string, { invalidToken = false } = {}) {
    super('UNAUTHORIZED', message, { httpStatus: 401 });
    this.challenge = invalidToken ? 'Bearer realm="kb", error="invalid_token"' : 'Bearer realm="kb"';
  }
}

export class ForbiddenError extends KbError {
  constructor(message: string) {
    super('FORBIDDEN', message, { httpStatus: 403 });
  }
}

export class TooManyRequestsError extends KbError {
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec: number) {
    super('RATE_LIMITED', message, { httpStatus: 429 });
    this.retryAfterSec = retryAfterSec;
  }
}

/** The server is at its cap of concurrent model calls; the client should come back rather than queue. */
export class OverloadedError extends KbError {
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec: number) {
    super('OVERLOADED', message, { httpStatus: 503, exitCode: 3 });
    this.retryAfterSec = retryAfterSec;
  }
}

/** An index job is already running; only one at a time. */
export class JobConflictError extends KbError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('INDEX_JOB_RUNNING', `Index job ${jobId} is still running; poll GET /v1/jobs/${jobId} and try again when it is done.`, { httpStatus: 409 });
    this.jobId = jobId;
  }
}

export class UnsupportedMediaTypeError extends KbError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message, { httpStatus: 415 });
  }
}

/** RFC 9110 421: the request names a host this server does not answer for (DNS rebinding without API keys). */
export class MisdirectedRequestError extends KbError {
  constructor(message: string) {
    super('HOST_NOT_ALLOWED', message, { httpStatus: 421 });
  }
}
