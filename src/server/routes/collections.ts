import { type Request, Router } from 'express';
import type { CollectionCatalog } from '../../collections/collection-catalog.js';
import { ANONYMOUS_PRINCIPAL, type ScopedPrincipal, visibleCollections } from '../../collections/scope.js';
import type { KbApiKeys } from '../../bedrock-kb-api/authenticate-request.js';
import { UnauthorizedError } from '../http-errors.js';

/** The principal of a request's Bearer key; anonymous (everything) when no keys are configured. */
export function bearerPrincipal(keys: KbApiKeys): (req: Request) => ScopedPrincipal | undefined {
  return (req) => {
    if (!keys.enabled) return ANONYMOUS_PRINCIPAL;
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token ? keys.bearer(token) : undefined;
  };
}

/** GET /v1/collections: the collections the key may read, with their knowledge base ids; others are not named. */
export function collectionRoutes({ catalog, keys }: { catalog: CollectionCatalog; keys: KbApiKeys }): Router {
  const router = Router();
  const authenticate = bearerPrincipal(keys);
  router.get('/v1/collections', (req, res, next) => {
    const principal = authenticate(req);
    if (!principal) return next(new UnauthorizedError('Send a valid API key as "Authorization: Bearer <key>".'));
    res.json({
      defaultCollection: catalog.defaultName,
      collections: visibleCollections(catalog, principal).map((c) => ({ name: c.name, knowledgeBaseId: c.knowledgeBaseId, ...(c.description ? { description: c.description } : {}), default: c.name === catalog.defaultName })),
    });
  });
  return router;
}
