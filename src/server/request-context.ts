import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Principal } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import { CLIENT_CLOSED } from './problem.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Request id: the client's X-Request-Id when it is sane, else a fresh UUID. */
      id: string;
      /** Logger bound to this request id. */
      log: Logger;
      /** Who is calling; set by the auth middleware. */
      principal?: Principal;
    }
  }
}

const SANE_ID = /^[\w.:-]{1,128}$/;
/** Polled by orchestrators and Prometheus every few seconds: logged at debug so they do not drown the rest. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Gives every request an id (echoed as X-Request-Id), a child logger and one log line plus metrics when it
 * ends. Logs carry method, route and status, never headers: the Authorization header holds the API key.
 */
export function requestContext({ logger, metrics }: { logger: Logger; metrics: ServerMetrics }): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && SANE_ID.test(given) ? given : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = performance.now();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      // The route pattern, not the URL: ids in paths would give every document its own time series.
      // Routes mounted under a prefix (/v1, /v1/collections/hr) record theirs in res.locals.route.
      const route = typeof res.locals.route === 'string' ? res.locals.route : req.route ? String(req.route.path) : 'unmatched';
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      const seconds = (performance.now() - started) / 1000;
      metrics.observeRequest({ method: req.method, route, status, seconds });
      const level = PROBES.has(route) && status < 400 ? 'debug' : 'info';
      req.log[level]({ method: req.method, route, status, ms: Math.round(seconds * 1000), keyId: req.principal?.id }, 'request');
    };
    res.on('finish', record);
    res.on('close', record);
    next();
  };
}
