import { Router } from 'express';
import type { createReadiness } from '../readiness.js';

/** GET /healthz (the process answers) and GET /readyz (it can serve queries); both public, for probes. */
export function healthRoutes({ readiness }: { readiness: ReturnType<typeof createReadiness> }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await readiness.check();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks, ...(report.sync ? { sync: report.sync } : {}) });
  });
  return router;
}
