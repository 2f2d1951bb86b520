import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isAbortError, KbError, ModelCallError, type ModelFailureReason } from '../errors.js';
import { JobConflictError, OverloadedError, TooManyRequestsError, UnauthorizedError } from './http-errors.js';

/** An RFC 9457 problem document plus the headers that go with it. */
export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: {
    type: string;
    title: string;
    status: number;
    detail: string;
    instance: string;
    code: string;
    requestId?: string;
    /** For validation errors: one entry per invalid field. */
    errors?: Array<{ field: string; message: string }>;
    jobId?: string;
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Status used in logs and metrics for a request whose client went away (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** Default wait suggested after a retryable model failure that did not say how long. */
const MODEL_RETRY_AFTER_SEC = 5;

/** HTTP status per model failure reason: 503 (with Retry-After) when a later request may succeed as is. */
const MODEL_FAILURE_STATUS: Record<ModelFailureReason, number> = {
  throttled: 503,
  unavailable: 503,
  network: 503,
  timeout: 504,
  'access-denied': 502,
  'unknown-model': 502,
  auth: 502,
  validation: 502,
};

/**
 * The one mapping from errors to HTTP. The JSON error handler and the SSE `error` event both use it, so a
 * failure reads the same whether or not the answer was streaming.
 */
export function problemFor(error: unknown, { instance, requestId }: { instance: string; requestId?: string }): Problem {
  const { status, code, detail, headers = {}, extra = {} } = classify(error);
  return {
    status,
    headers,
    body: {
      type: `urn:bedrock-kb:problem:${code.toLowerCase().replace(/_/g, '-')}`,
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      instance,
      code,
      ...(requestId ? { requestId } : {}),
      ...extra,
    },
  };
}

interface Classified {
  status: number;
  code: string;
  detail: string;
  headers?: Record<string, string>;
  extra?: Partial<Problem['body']>;
}

function classify(error: unknown): Classified {
  if (error instanceof z.ZodError) {
    const errors = error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || 'body', message: issue.message }));
    return { status: 400, code: 'VALIDATION', detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '), extra: { errors } };
  }
  if (error instanceof ModelCallError) {
    const status = MODEL_FAILURE_STATUS[error.reason];
    const retryAfter = status === 503 ? Math.max(1, Math.ceil((error.retryAfterMs ?? MODEL_RETRY_AFTER_SEC * 1000) / 1000)) : undefined;
    // The message already says what to do (retry later, fix the model id, enable access).
    return { status, code: error.code, detail: error.message, ...(retryAfter ? { headers: { 'Retry-After': String(retryAfter) } } : {}) };
  }
  if (error instanceof KbError) {
    const headers: Record<string, string> = {};
    if (error instanceof UnauthorizedError) headers['WWW-Authenticate'] = error.challenge;
    if (error instanceof TooManyRequestsError || error instanceof OverloadedError) headers['Retry-After'] = String(error.retryAfterSec);
    return { status: error.httpStatus, code: error.code, detail: error.message, headers, ...(error instanceof JobConflictError ? { extra: { jobId: error.jobId } } : {}) };
  }
  if (isAbortError(error)) return { status: CLIENT_CLOSED, code: 'CLIENT_CLOSED', detail: 'The request was aborted.' };
  const clientError = asClientError(error);
  if (clientError) return clientError;
  return { status: 500, code: 'INTERNAL', detail: 'Internal error. The server log has the details under this request id.' };
}

/**
 * Client faults raised below our code: express.json()'s http-errors (https://github.com/expressjs/body-parser#errors),
 * a bad Content-Encoding body (zlib error with status 400) and the router's URIError for a path like /v1/documents/%zz.
 */
function asClientError(error: unknown): Classified | undefined {
  const e = error as { type?: unknown; status?: unknown; limit?: unknown; message?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  if (e.type === 'entity.too.large') return { status: 413, code: 'BODY_TOO_LARGE', detail: `The request body is larger than ${String(e.limit)} bytes (server.maxBodyBytes).` };
  if (e.type === 'entity.parse.failed') return { status: 400, code: 'MALFORMED_JSON', detail: `The request body is not valid JSON: ${String(e.message)}` };
  if (error instanceof URIError) return { status: 400, code: 'MALFORMED_URL', detail: 'The URL path has invalid percent-encoding (e.g. "%zz" or a cut-off UTF-8 sequence); encode it with encodeURIComponent.' };
  if (e.type === undefined && e.status === 400) {
    return { status: 400, code: 'MALFORMED_BODY', detail: `The request body could not be decoded as its Content-Encoding says (${String(e.message)}); send it plain or validly compressed.` };
  }
  return { status: e.status, code: 'BAD_REQUEST', detail: String(e.message) };
}

/** `problemFor` with the instance and request id taken from the request. */
export function problemForRequest(error: unknown, req: Request): Problem {
  return problemFor(error, { instance: req.originalUrl.split('?')[0] ?? req.originalUrl, requestId: req.id });
}

/** The Express error handler: every error a route throws ends here as application/problem+json. */
export function problemHandler({ logger, onProblem }: { logger: Logger; onProblem?: (error: unknown, problem: Problem) => void }): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = problemForRequest(error, req);
    logProblem(req.log ?? logger, error, problem);
    onProblem?.(error, problem);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(problem.status).set(problem.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
  };
}

const MALFORMED = new Set(['MALFORMED_URL', 'MALFORMED_BODY', 'MALFORMED_JSON']);

export function logProblem(logger: Logger, error: unknown, problem: Problem): void {
  if (problem.status >= 500 && problem.status !== 503) logger.error({ err: error, code: problem.body.code }, 'request failed');
  else if (problem.status >= 500) logger.warn({ code: problem.body.code, detail: problem.body.detail }, 'service unavailable');
  // A malformed request is worth a look (a broken or hostile client) but is not the server's fault.
  else if (MALFORMED.has(problem.body.code)) logger.warn({ code: problem.body.code, status: problem.status, detail: problem.body.detail }, 'malformed request');
  else logger.info({ code: problem.body.code, status: problem.status }, 'request rejected');
}
