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
  constructor(lockPath: string, holderPid: number) {
    super(
      'INDEX_LOCKED',
      `Another kb process (pid ${holderPid}) is writing to this knowledge base (lock ${lockPath}). ` +
        `Wait for it to finish, or pass --wait to queue behind it.`,
      { exitCode: 1, httpStatus: 409 },
    );
    this.holderPid = holderPid;
  }
}

/** A call to a model service failed. `isRetryable` drives the one retry policy in core. */
export class ModelCallError extends KbError {
  readonly modelId: string;
  readonly statusCode: number | undefined;
  readonly isRetryable: boolean;
  readonly isThrottle: boolean;
  /** Milliseconds the service asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    fields: { modelId: string; statusCode?: number; isRetryable: boolean; isThrottle?: boolean; retryAfterMs?: number; code?: string; cause?: unknown },
  ) {
    super(fields.code ?? 'MODEL_CALL_FAILED', message, { cause: fields.cause, exitCode: 3, httpStatus: fields.isRetryable ? 503 : 502 });
    this.modelId = fields.modelId;
    this.statusCode = fields.statusCode;
    this.isRetryable = fields.isRetryable;
    this.isThrottle = fields.isThrottle ?? false;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
