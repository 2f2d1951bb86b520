import { type Request, Router } from 'express';
import type { CollectionCatalog } from '../../collections/collection-catalog.js';
import { type ScopedPrincipal, visibleCollections } from '../../collections/scope.js';
import { UnauthorizedError } from '../http-errors.js';

/** GET /v1/collections: the collections the key may read, with their knowledge base ids; others are not named. */
export function collectionRoutes({ catalog, authenticate }: { catalog: CollectionCatalog; authenticate: (req: Request) => Promise<ScopedPrincipal | undefined> }): Router {
  const router = Router();
  router.get('/v1/collections', async (req, res, next) => {
    const principal = await authenticate(req);
    if (!principal) return next(new UnauthorizedError('Send a valid API key as "Authorization: Bearer <key>".'));
    res.json({
      defaultCollection: catalog.defaultName,
      collections: visibleCollections(catalog, principal).map((c) => ({ name: c.name, knowledgeBaseId: c.knowledgeBaseId, ...(c.description ? { description: c.description } : {}), default: c.name === catalog.defaultName })),
    });
  });
  return router;
}
