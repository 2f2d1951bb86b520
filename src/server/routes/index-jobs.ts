import { Router, type RequestHandler } from 'express';
import { NotFoundError } from '../../errors.js';
import type { Role } from '../api-keys.js';
import type { IndexJob, IndexJobs } from '../index-jobs.js';
import { jobIdSchema } from '../schemas.js';

/** POST /v1/index starts a background re-index of the configured roots (202); GET /v1/jobs/:id polls it. Admin only. */
export function indexJobRoutes({ jobs, guard }: { jobs: Pick<IndexJobs, 'start' | 'get'>; guard: (role: Role) => RequestHandler[] }): Router {
  const router = Router();

  router.post('/index', ...guard('admin'), async (req, res) => {
    const job = await jobs.start();
    req.log.info({ jobId: job.id, keyId: req.principal?.id }, 'index job started');
    const href = `${req.baseUrl}/jobs/${job.id}`;
    res.status(202).location(href).json({ jobId: job.id, status: job.status, href });
  });

  router.get('/jobs/:id', ...guard('admin'), (req, res) => {
    const { id } = jobIdSchema.parse(req.params);
    const job = jobs.get(id);
    if (!job) throw new NotFoundError(`There is no index job ${id} (finished jobs are kept until the server restarts).`);
    res.json(publicJob(job));
  });

  return router;
}

function publicJob(job: IndexJob) {
  return { ...job, progress: { ...job.progress }, errors: [...job.errors] };
}
