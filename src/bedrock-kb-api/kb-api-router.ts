import { Router } from 'express';
import type { EmulatorRequest, EmulatorResponse } from '../emulator/dual-protocol-server.js';
import type { KbApiHandler } from './kb-api-handler.js';

/**
 * The handler as Express middleware for HTTP/1.1 clients. Mount it before any body parser: it reads the raw
 * body itself, because the SigV4 signature covers the body's hash.
 */
export function kbApiRouter(handler: KbApiHandler): Router {
  const router = Router();
  router.use((req, res, next) => {
    handler(req as unknown as EmulatorRequest, res as unknown as EmulatorResponse).then((handled) => (handled ? undefined : next()), next);
  });
  return router;
}
