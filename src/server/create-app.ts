import express, { type Express, type RequestHandler } from 'express';
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
import { bearerPrincipal, collectionRoutes } from './routes/collections.js';
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
export interface CreateAppOptions {
  /** Limits, CORS, logging and audit settings. */
  server: LoadedConfig['server'];
  /** Hashed keys (server.apiKeys plus KB_API_KEYS). None means auth is off. */
  apiKeys: ApiKey[];
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
  readiness: Readiness;
  /** The knowledge base's name on the web page. */
  name: string;
  logger?: Logger;
  /** Shared with the jobs and readiness that report into it; by default a registry of the app's own. */
  metrics?: ServerMetrics;
  /** Invalid-key limit per address (default 20 a minute); tests inject the clock. */
  failedLogins?: FailedAuthLimiterOptions;
  /** /mcp, /v1/collections and the Bedrock-compatible routes over these collections and keys (kb serve). */
  integrations?: { catalog: CollectionCatalog; keys: KbApiKeys; kbApi: KbApiHandler };
}

export interface App {
  app: Express;
  authEnabled: boolean;
  /** Aborts in-flight answers and a running index job; the caller closes the HTTP server and the store. */
  close(): Promise<void>;
}

/** The HTTP API and web page over an open knowledge base. Listening is start-server.ts's job. */
export function createApp(options: CreateAppOptions): App {
  const { server: s, apiKeys, answerer, documents, jobs, readiness, logger, metrics, failedLogins, integrations } = options;
  const log = logger ?? pino({ level: s.logLevel });
  const limiter = createModelCallLimiter(s.maxConcurrentModelCalls);
  const m = metrics ?? createMetrics();
  m.bindGauges({ counts: () => documents.stats(), inFlight: () => limiter.inFlight });
  const auth = createAuth(apiKeys, failedLogins);
  const rateLimit = createRateLimit(s.rateLimitPerMinute);
  const shutdown = new AbortController();
  const retriever = countEmbeddingCalls(options.retriever, m);
  const openapi = buildOpenApi({ maxQuestionChars: s.maxQuestionChars, version: VERSION });

  const jsonBody = express.json({ limit: s.maxBodyBytes });
  const requireJson: RequestHandler = (req, _res, next) => {
    // A bodiless POST (Content-Length: 0) has no type to check; type-is would count it as a body.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    next(hasBody && !req.is('application/json') ? new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json.') : undefined);
  };
  /** Per route, so a rejected request is still counted under its route in metrics. */
  const guard = (role: Role): RequestHandler[] => [auth.require(role), rateLimit.middleware, requireJson, jsonBody];

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
    app.use(mcpHttpRouter({ catalog: integrations.catalog, authenticate: bearerPrincipal(integrations.keys), version: VERSION, maxBodyBytes: s.maxBodyBytes, shutdown: shutdown.signal }));
    app.use(collectionRoutes(integrations));
  }
  app.use(webPageRoutes({ authRequired: auth.enabled, maxQuestionChars: s.maxQuestionChars, model: answerer.modelId, name: options.name }));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/metrics', auth.require('reader'), async (_req, res) => {
    res.type(m.registry.contentType).send(await m.registry.metrics());
  });

  const common = { guard, shutdown: shutdown.signal, maxQuestionChars: s.maxQuestionChars };
  app.use(queryRoutes({ ...common, retriever, answerer, minCoverage: options.minCoverage, auditQuestions: s.auditQuestions,
    ...(options.ask ? { ask: options.ask } : {}), ...(options.redactPii ? { redactPii: true } : {}), limiter, metrics: m }));
  app.use(retrieveRoutes({ ...common, retriever }));
  app.use(documentRoutes({ documents, remove: options.removeDocument, guard }));
  app.use(indexJobRoutes({ jobs, guard }));

  app.use((req, _res, next) => next(new NotFoundError(`No route ${req.method} ${req.path}; GET /openapi.json lists the API.`)));
  app.use(problemHandler({ logger: log, onProblem: (error) => m.observeError(error) }));

  return {
    app,
    authEnabled: auth.enabled,
    async close() {
      shutdown.abort();
      await jobs.close();
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
