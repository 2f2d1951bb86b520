import express, { type Express, type Request, type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import type { Answerer } from '../answer/answerer.js';
import type { LoadedConfig } from '../config.js';
import { NotFoundError } from '../errors.js';
import type { Retriever } from '../retrieve/create-retriever.js';
import type { KbStore } from '../store/kb-store.js';
import type { ApiKey, Role } from './api-keys.js';
import { createAuth } from './auth.js';
import type { FailedAuthLimiterOptions } from './failed-auth-limiter.js';
import { corsFor } from './cors.js';
import { UnsupportedMediaTypeError } from './http-errors.js';
import type { IndexJobs } from './index-jobs.js';
import { loopbackGuard } from './loopback-guard.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createModelCallLimiter } from './model-call-limiter.js';
import { buildOpenApi } from './openapi.js';
import { problemHandler } from './problem.js';
import { createRateLimit } from './rate-limit.js';
import type { Readiness } from './readiness.js';
import { requestContext } from './request-context.js';
import { type DocumentRouteDeps, documentRoutes } from './routes/documents.js';
import { healthRoutes } from './routes/health.js';
import { indexJobRoutes } from './routes/index-jobs.js';
import { type QueryRouteDeps, queryRoutes } from './routes/query.js';
import { retrieveRoutes } from './routes/retrieve.js';
import { webPageRoutes } from './routes/web-page.js';
import { collectionRoutes } from './routes/collections.js';
import { DEFAULT_COLLECTION } from '../collections/collection-catalog.js';
import { gatedBearer } from './gated-bearer.js';
import type { KeyGate } from './key-gate.js';
import type { KbApiKeys } from '../bedrock-kb-api/authenticate-request.js';
import type { KbApiHandler } from '../bedrock-kb-api/kb-api-handler.js';
import { kbApiRouter } from '../bedrock-kb-api/kb-api-router.js';
import type { CollectionCatalog } from '../collections/collection-catalog.js';
import { mcpHttpRouter } from '../mcp/mcp-http-router.js';

const VERSION = '0.1.0';

/**
 * What the app serves, each part built by its owner (src/server/knowledge-base-app.ts composes them from an
 * open knowledge base); the app itself only routes, authenticates, limits and reports.
 */
/** What the REST routes of one knowledge base serve. */
export interface ServedKnowledgeBase {
  retriever: Pick<Retriever, 'retrieve'>;
  answerer: Answerer;
  /** answerQuestion, or it behind the answer cache (createCachedAsk). */
  ask?: QueryRouteDeps['ask'];
  /** answer.redactPii: audit lines keep the question with its identifiers replaced. */
  redactPii?: boolean;
  /** Below this question coverage the best passage does not count as an answer (retrieval.minCoverage). */
  minCoverage: number;
  /** Documents listed and shown, and the sizes behind the gauges. */
  documents: DocumentRouteDeps['documents'] & Pick<KbStore, 'stats'>;
  removeDocument: DocumentRouteDeps['remove'];
  jobs: Pick<IndexJobs, 'start' | 'get' | 'close'>;
}

export interface CreateAppOptions extends ServedKnowledgeBase {
  /** Limits, CORS, logging and audit settings. */
  server: LoadedConfig['server'];
  /** Hashed keys (server.apiKeys plus KB_API_KEYS). None means auth is off. */
  apiKeys: ApiKey[];
  /** More knowledge bases by collection name, served under /v1/collections/{name}/… (this one is "default"). */
  collections?: Record<string, ServedKnowledgeBase>;
  readiness: Readiness;
  /** The knowledge base's name on the web page. */
  name: string;
  logger?: Logger;
  /** Shared with the jobs and readiness that report into it; by default a registry of the app's own. */
  metrics?: ServerMetrics;
  /** Invalid-key limit per address (default 20 a minute); tests inject the clock. */
  failedLogins?: FailedAuthLimiterOptions;
  /** /mcp, /v1/collections and the Bedrock-compatible routes over these collections and keys (kb serve). */
  integrations?: { catalog: CollectionCatalog; keys: KbApiKeys; kbApi: KbApiHandler; gate: KeyGate };
}

export interface App {
  app: Express;
  authEnabled: boolean;
  /** Aborts in-flight answers and a running index job; the caller closes the HTTP server and the store. */
  close(): Promise<void>;
}

/** The HTTP API and web page over an open knowledge base. Listening is start-server.ts's job. */
export function createApp(options: CreateAppOptions): App {
  const { server: s, apiKeys, answerer, documents, readiness, logger, metrics, failedLogins, integrations } = options;
  const log = logger ?? pino({ level: s.logLevel });
  const limiter = createModelCallLimiter(s.maxConcurrentModelCalls);
  const m = metrics ?? createMetrics();
  m.bindGauges({ counts: () => documents.stats(), inFlight: () => limiter.inFlight });
  // Keys from the key store (kb keys) open the REST routes too, with their role on the default collection.
  const auth = createAuth(apiKeys, failedLogins, integrations?.keys);
  const rateLimit = createRateLimit(s.rateLimitPerMinute);
  const shutdown = new AbortController();
  const openapi = buildOpenApi({ maxQuestionChars: s.maxQuestionChars, version: VERSION });

  const jsonBody = express.json({ limit: s.maxBodyBytes });
  const requireJson: RequestHandler = (req, _res, next) => {
    // A bodiless POST (Content-Length: 0) has no type to check; type-is would count it as a body.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    next(hasBody && !req.is('application/json') ? new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json.') : undefined);
  };
  /** The route as metrics and logs name it, with the prefix it is mounted under. */
  const label: RequestHandler = (req, res, next) => {
    res.locals.route = `${req.baseUrl}${String(req.route?.path ?? '')}`;
    next();
  };
  /** Per route, so a rejected request is still counted under its route in metrics. */
  const guardFor = (collection: string, hidden?: (req: Request) => Error) => (role: Role): RequestHandler[] => [label, auth.require(role, collection, hidden), rateLimit.middleware, requireJson, jsonBody];
  const noRoute = (req: Request) => new NotFoundError(`No route ${req.method} ${req.originalUrl.split('?')[0]}; GET /openapi.json lists the API.`);
  /** The REST routes of one knowledge base, relative to where they are mounted. */
  const knowledgeBaseRoutes = (kb: ServedKnowledgeBase, guard: (role: Role) => RequestHandler[]): Router => {
    const common = { guard, shutdown: shutdown.signal, maxQuestionChars: s.maxQuestionChars };
    const retriever = countEmbeddingCalls(kb.retriever, m);
    const router = Router();
    router.use(queryRoutes({ ...common, retriever, answerer: kb.answerer, minCoverage: kb.minCoverage, auditQuestions: s.auditQuestions,
      ...(kb.ask ? { ask: kb.ask } : {}), ...(options.redactPii ? { redactPii: true } : {}), limiter, metrics: m }));
    router.use(retrieveRoutes({ ...common, retriever }));
    router.use(documentRoutes({ documents: kb.documents, remove: kb.removeDocument, guard }));
    router.use(indexJobRoutes({ jobs: kb.jobs, guard }));
    return router;
  };
  const collections = Object.entries(options.collections ?? {});

  const app = express();
  app.disable('x-powered-by');
  // Express hashes every response body for an ETag, POSTs included; answers and rankings are not cached by clients.
  app.set('etag', false);
  app.use(requestContext({ logger: log, metrics: m }));
  if (!auth.enabled) app.use(loopbackGuard({ corsOrigins: s.corsOrigins }));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        // The page loads its script and style from this origin; nothing inline, nothing elsewhere.
        directives: {
          defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], connectSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
          baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"],
        },
      },
    }),
  );
  app.use(corsFor(s.corsOrigins));

  app.use(healthRoutes({ readiness }));
  if (integrations) {
    // Before any body parser: the Bedrock-compatible routes read the raw body, which SigV4 signs.
    app.use(kbApiRouter(integrations.kbApi));
    const authenticate = gatedBearer(integrations.keys, integrations.gate);
    app.use(mcpHttpRouter({
      catalog: integrations.catalog, authenticate, version: VERSION, maxBodyBytes: s.maxBodyBytes, shutdown: shutdown.signal,
      // The audit line of a tool call names the key, as the REST and Bedrock routes' do.
      onToolCall: (call) => log.info({ audit: 'mcp', key: call.principal, tool: call.tool, ...(call.collection ? { collection: call.collection } : {}), ok: call.ok }, 'mcp tool call'),
    }));
    app.use(collectionRoutes({ catalog: integrations.catalog, authenticate }));
  }
  app.use(webPageRoutes({ authRequired: auth.enabled, maxQuestionChars: s.maxQuestionChars, model: answerer.modelId, name: options.name }));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/metrics', auth.require('reader'), async (_req, res) => {
    res.type(m.registry.contentType).send(await m.registry.metrics());
  });

  const main = knowledgeBaseRoutes(options, guardFor(DEFAULT_COLLECTION));
  app.use('/v1', main);
  app.use(`/v1/collections/${DEFAULT_COLLECTION}`, main);
  // A key without a role in a collection gets the 404 of a route that does not exist: same status, same words.
  for (const [name, kb] of collections) app.use(`/v1/collections/${name}`, knowledgeBaseRoutes(kb, guardFor(name, noRoute)));

  app.use((req, _res, next) => next(noRoute(req)));
  app.use(problemHandler({ logger: log, onProblem: (error) => m.observeError(error) }));

  return {
    app,
    authEnabled: auth.enabled,
    async close() {
      shutdown.abort();
      await Promise.all([options.jobs, ...collections.map(([, kb]) => kb.jobs)].map((j) => j.close()));
      rateLimit.close();
    },
  };
}

/** Counts query embeddings for metrics, from the usage the retriever reports for its embedding call. */
function countEmbeddingCalls(retriever: Pick<Retriever, 'retrieve'>, metrics: ServerMetrics): Pick<Retriever, 'retrieve'> {
  return {
    async retrieve(query, options) {
      const result = await retriever.retrieve(query, options);
      if (result.embedding) metrics.observeEmbeddingCall(result.embedding.model, result.embedding);
      return result;
    },
  };
}
