/**
 * One error hierarchy for the whole project. Every error a user can see is a KbError with a stable `code`,
 * a message that names the cause and the fix, and the foreign error (if any) as `cause`.
 */
export class KbError extends Error {
  readonly code: string;
  /** Exit code the CLI uses: 1 user error, 2 partial failure, 3 internal/service failure. */
  readonly exitCode: number;
  /** HTTP status the server maps this error to. */
  readonly httpStatus: number;

  constructor(code: string, message: string, options: { cause?: unknown; exitCode?: number; httpStatus?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.httpStatus = options.httpStatus ?? 400;
  }
}

/** Bad configuration: names the option and its env var. */
export class ConfigError extends KbError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, { ...options, exitCode: 1, httpStatus: 500 });
  }
}

/** Input a user gave that we cannot use (a path, a question, a filter). */
export class UsageError extends KbError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'USAGE', message, { cause: options.cause, exitCode: 1, httpStatus: 400 });
  }
}

export class NotFoundError extends KbError {
  constructor(message: string) {
    super('NOT_FOUND', message, { exitCode: 1, httpStatus: 404 });
  }
}

/** A file could not be read or parsed; the run goes on and reports it. */
export class LoadError extends KbError {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'LOAD_FAILED', `${path}: ${reason}`, { cause: options.cause, exitCode: 2, httpStatus: 422 });
    this.path = path;
    this.reason = reason;
  }
}

/** The index on disk was built with another embedding model or dimension than the one configured. */
export class IndexMismatchError extends KbError {
  readonly builtWith: { model: string; dimensions: number };
  readonly configured: { model: string; dimensions: number };
  constructor(builtWith: { model: string; dimensions: number }, configured: { model: string; dimensions: number }) {
    super(
      'INDEX_MISMATCH',
      `This index was built with embedding model ${builtWith.model} (${builtWith.dimensions} dimensions) but ` +
        `${configured.model} (${configured.dimensions} dimensions) is configured. Either configure ` +
        `${builtWith.model} again, or re-embed everything with \`kb index --rebuild\`.`,
      { exitCode: 1, httpStatus: 409 },
    );
    this.builtWith = builtWith;
    this.configured = configured;
  }
}

/** Another process holds the index lock. */
export class LockedError extends KbError {
  readonly holderPid: number;
  /** `lock` names the lock and its holder, e.g. "lock /srv/kb/.kb/index.lock" or "advisory lock of postgres://…, held by …". */
  constructor(lock: string, holderPid: number) {
    super(
      'INDEX_LOCKED',
      `Another kb process (pid ${holderPid}) is writing to this knowledge base (${lock}). ` +
        `Wait for it to finish, or pass --wait to queue behind it.`,
      { exitCode: 1, httpStatus: 409 },
    );
    this.holderPid = holderPid;
  }
}

/** Why a model call failed: a closed set, so ingest, HTTP, exit codes and metrics never parse service names. */
export const MODEL_FAILURE_REASONS = ['throttled', 'unavailable', 'timeout', 'access-denied', 'unknown-model', 'validation', 'auth', 'network'] as const;
export type ModelFailureReason = (typeof MODEL_FAILURE_REASONS)[number];

export interface ModelCallErrorFields {
  modelId: string;
  reason: ModelFailureReason;
  /** Worth another attempt (core's retryModelCall decides how many); the adapter knows the service. */
  isRetryable: boolean;
  /** Every later call of the run would fail the same way (credentials, endpoint, model access): stop the run. */
  isFatal: boolean;
  /** The service's own name for the failure (e.g. "ThrottlingException"), for logs only. */
  serviceCode?: string;
  statusCode?: number;
  retryAfterMs?: number;
  /** Overrides the code derived from the reason (SERVICE_DOWN, MODEL_BAD_RESPONSE). */
  code?: string;
  cause?: unknown;
}

/** A call to a model service failed. `reason`, `isRetryable` and `isFatal` drive the one retry policy in core. */
export class ModelCallError extends KbError {
  readonly modelId: string;
  readonly reason: ModelFailureReason;
  readonly isRetryable: boolean;
  readonly isFatal: boolean;
  readonly serviceCode: string | undefined;
  readonly statusCode: number | undefined;
  /** Milliseconds the service asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, fields: ModelCallErrorFields) {
    super(fields.code ?? `MODEL_${fields.reason.toUpperCase().replace(/-/g, '_')}`, message, { cause: fields.cause, exitCode: 3, httpStatus: 502 });
    this.modelId = fields.modelId;
    this.reason = fields.reason;
    this.isRetryable = fields.isRetryable;
    this.isFatal = fields.isFatal;
    this.serviceCode = fields.serviceCode;
    this.statusCode = fields.statusCode;
    this.retryAfterMs = fields.retryAfterMs;
  }

  get isThrottle(): boolean {
    return this.reason === 'throttled';
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
