import { basename, dirname } from 'node:path';
import { Router } from 'express';
import { PAGE_JS } from '../web-page-script.js';
import { PAGE_CSS } from '../web-page-style.js';
import { PAGE_HTML } from '../web-page.js';

export interface WebPageRouteDeps {
  authRequired: boolean;
  maxQuestionChars: number;
  model: string;
  /** The knowledge base's name (knowledgeBaseName of its folder), never a path. */
  name: string;
}

/**
 * GET / (the page), /app.js, /app.css and GET /v1/config (whether the page must ask for a key, and which
 * knowledge base it asks). All public; the document count comes from GET /v1/documents, which needs a key.
 */
export function webPageRoutes({ authRequired, maxQuestionChars, model, name }: WebPageRouteDeps): Router {
  const knowledgeBase = { name };
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
    res.json({ authRequired, maxQuestionChars, model, knowledgeBase });
  });
  return router;
}

/** "handbook" for /srv/handbook/.kb or /srv/handbook: the default `.kb` folder is named after its project. */
export function knowledgeBaseName(kbDir: string): string {
  const name = basename(kbDir);
  return name.startsWith('.') ? basename(dirname(kbDir)) || name : name;
}
