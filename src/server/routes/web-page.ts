import { Router } from 'express';
import { PAGE_JS } from '../web-page-script.js';
import { PAGE_CSS } from '../web-page-style.js';
import { PAGE_HTML } from '../web-page.js';

/** GET / (the page), /app.js, /app.css and GET /v1/config (whether the page must ask for a key). All public. */
export function webPageRoutes({ authRequired, maxQuestionChars, model }: { authRequired: boolean; maxQuestionChars: number; model: string }): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.type('html').set('Cache-Control', 'no-cache').send(PAGE_HTML);
  });
  router.get('/app.js', (_req, res) => {
    res.type('js').set('Cache-Control', 'no-cache').send(PAGE_JS);
  });
  router.get('/app.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'no-cache').send(PAGE_CSS);
  });
  router.get('/v1/config', (_req, res) => {
    res.json({ authRequired, maxQuestionChars, model });
  });
  return router;
}
