import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import type { Answerer } from '../answer/answerer.js';
import type { LoadedConfig } from '../config.js';
import { NotFoundError } from '../errors.js';
import type { Embedder } from '../models/embedder.js';
import type { Retriever } from '../retrieve/create-retriever.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { type ApiKey, mergeApiKeys, parseApiKeys, type Role } from './api-keys.js';
import { createAuth } from './auth.js';
import type { FailedAuthLimiterOptions } from './failed-auth-limiter.js';
import { corsFor } from './cors.js';
import { UnsupportedMediaTypeError } from './http-errors.js';
import { createIndexJobs, type IndexJobsOptions } from './index-jobs.js';
import { loopbackGuard } from './loopback-guard.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createModelCallLimiter } from './model-call-limiter.js';
import { buildOpenApi } from './openapi.js';
import { problemHandler } from './problem.js';
import { createRateLimit } from './rate-limit.js';
import { createReadiness } from './readiness.js';
import { requestContext } from './request-context.js';
import { documentRoutes } from './routes/documents.js';
import { healthRoutes } from './routes/health.js';
import { indexJobRoutes } from './routes/index-jobs.js';
import { queryRoutes } from './routes/query.js';
import { retrieveRoutes } from './routes/retrieve.js';
import { webPageRoutes } from './routes/web-page.js';
import { bearerPrincipal, collectionRoutes } from './routes/collections.js';
import type { KbApiKeys } from '../bedrock-kb-api/authenticate-request.js';
import type { KbApiHandler } from '../bedrock-kb-api/kb-api-handler.js';
import { kbApiRouter } from '../bedrock-kb-api/kb-api-router.js';
import type { CollectionCatalog } from '../collections/collection-catalog.js';
import { mcpHttpRouter } from '../mcp/mcp-http-router.js';

const VERSION = '0.1.0';

export interface AppKb {
  store: SqliteStore;
  retriever: Pick<Retriever, 'retrieve' | 'warm'>;
  embedder: Embedder;
}

export interface CreateAppOptions {
  config: LoadedConfig;
  kb: AppKb;
  answerer: Answerer;
  /** Hashed keys; by default server.apiKeys plus KB_API_KEYS. None means auth is off. */
  apiKeys?: ApiKey[];
  logger?: Logger;
  metrics?: ServerMetrics;
  /** Seams for the background index job (tests); the defaults are the real indexer and embedder. */
  indexJobs?: Pick<IndexJobsOptions, 'indexFolders' | 'createEmbedder'>;
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
export function createApp({ config, kb, answerer, apiKeys, logger, metrics, indexJobs, failedLogins, integrations }: CreateAppOptions): App {
  const s = config.server;
  const log = logger ?? pino({ level: s.logLevel });
  const limiter = createModelCallLimiter(s.maxConcurrentModelCalls);
  const m = metrics ?? createMetrics();
  m.bindGauges({ counts: () => kb.store.counts(), inFlight: () => limiter.inFlight });
  const auth = createAuth(apiKeys ?? mergeApiKeys(s.apiKeys, parseApiKeys(config.env.apiKeys)), failedLogins);
  const rateLimit = createRateLimit(s.rateLimitPerMinute);
  const shutdown = new AbortController();
  const jobs = createIndexJobs({
    config, logger: log, onFinish: (job) => m.observeJob(job.status), recordedRoots: () => recordedRoots(kb.store), ...indexJobs,
  });
  const retriever = countEmbeddingCalls(kb.retriever, m);
  const readiness = createReadiness({
    store: kb.store, retriever: kb.retriever, embedder: kb.embedder, remoteProvider: config.provider === 'bedrock',
    onProviderCall: () => m.observeEmbeddingCall(kb.embedder.modelId),
  });
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
  app.use(webPageRoutes({ authRequired: auth.enabled, maxQuestionChars: s.maxQuestionChars, model: answerer.modelId, kbDir: config.kbDir }));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/metrics', auth.require('reader'), async (_req, res) => {
    res.type(m.registry.contentType).send(await m.registry.metrics());
  });

  const common = { guard, shutdown: shutdown.signal, maxQuestionChars: s.maxQuestionChars };
  app.use(queryRoutes({ ...common, retriever, answerer, minCoverage: config.retrieval.minCoverage, auditQuestions: s.auditQuestions, limiter, metrics: m }));
  app.use(retrieveRoutes({ ...common, retriever }));
  app.use(documentRoutes({ store: kb.store, kbDir: config.kbDir, guard }));
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

/**
 * For POST /v1/index when no roots are configured: the folders of the last run, or, when that run failed
 * before recording them, the folders the stored documents came from.
 */
function recordedRoots(store: SqliteStore): string[] {
  const summary = store.lastRun()?.summary as { roots?: unknown } | undefined;
  if (Array.isArray(summary?.roots)) return summary.roots.filter((r): r is string => typeof r === 'string');
  return [...new Set(store.allDocuments().map((d) => d.root))];
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
