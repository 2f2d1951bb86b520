import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { createDualProtocolServer, readBody, type EmulatorRequest, type EmulatorResponse } from './dual-protocol-server.js';
import { countRequest, emptyStats, type EmulatorStats, type RecordedRequest } from './emulator-stats.js';
import { createFaultInjector, type Faults } from './fault-injector.js';
import { APPLICATION_PROFILE_ARN, isOfferedIn, resolveModelId } from '../models/model-catalog.js';
import { listFoundationModels, listInferenceProfiles } from './control-plane-routes.js';
import { answerModelCall, type Route } from './model-routes.js';
import { sendJson, sendServiceError, type StreamEnd } from './send-response.js';
import { applyGuardrail, type EmulatedGuardrail } from './guardrail-routes.js';
import { createPromptCache } from './prompt-cache.js';
import { NOT_JSON, parseJson, regionOf, rerankModelOf } from './read-request.js';
import { answerRerank } from './rerank-route.js';
import { accessDenied, ServiceError, validationError } from './service-error.js';
import { checkAuthorization } from './sigv4-check.js';

const faultsSchema = z
  .object({
    latencyMs: z.number().int().min(0),
    rpm: z.number().int().min(0),
    throttleRate: z.number().min(0).max(1),
    errorRate: z.number().min(0).max(1),
    outageAfterCalls: z.number().int().min(0),
  })
  .partial()
  .strict();

export interface EmulatorOptions extends Partial<Faults> {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Seed of the PRNG behind throttleRate and errorRate. */
  seed?: number;
  /** Pause between stream events (default 5 ms). */
  streamDelayMs?: number;
  /** Secret keys by access key id; when given, SigV4 signatures are verified in full (see checkAuthorization). */
  secrets?: Record<string, string>;
  /** Most recent calls kept in `requests` (default 1000), so a long `kb emulator` session does not grow without bound. */
  maxRecordedRequests?: number;
  /** Region served when a request does not say (bearer auth); SigV4 requests name theirs in the credential scope. */
  region?: string;
  /** Catalogue models the account "has not enabled": AccessDeniedException, as Bedrock answers then. */
  deniedModels?: string[];
  /** Application inference-profile ARN -> the model it copies. */
  applicationProfiles?: Record<string, string>;
  /** Most recent requests GET /_emulator/requests serves (default 200). */
  maxServedRequests?: number;
  /** Clock of the recorded requests' `at` and of the prompt cache's lifetime; injected by tests. */
  now?: () => number;
  /** Guardrails by id (Converse guardrailConfig, ApplyGuardrail); any other id denies DEFAULT_DENIED_WORD. */
  guardrails?: Record<string, EmulatedGuardrail>;
}

export interface Emulator {
  url: string;
  port: number;
  /** Live counters; reset() zeroes them in place. */
  stats: EmulatorStats;
  /** Model calls in order, the last maxRecordedRequests of them; reset() empties it. */
  requests: RecordedRequest[];
  readonly faults: Readonly<Faults>;
  setFaults(partial: Partial<Faults>): void;
  /** Resolves when the next streamed reply ends, with how many frames it sent and whether the client cut it short. */
  nextStreamEnd(): Promise<StreamEnd>;
  reset(): void;
  close(): Promise<void>;
}

const MODEL_ROUTE = /^\/model\/([^/?]+)\/(invoke|converse|converse-stream|invoke-with-response-stream|count-tokens)(?:\?.*)?$/;
const GUARDRAIL_ROUTE = /^\/guardrail\/([^/?]+)\/version\/([^/?]+)\/apply(?:\?.*)?$/;

/**
 * A Bedrock-runtime-compatible server for offline development and tests: embeddings from the local hash
 * embedder, Claude answers quoted from the prompt's sources, SigV4/bearer checks, and injectable latency,
 * quota throttling and transient errors; Rerank at POST /rerank, CountTokens, prompt caching, guardrails (Converse
 * guardrailConfig and ApplyGuardrail). Control endpoints: GET /_emulator/stats,
 * GET /_emulator/requests (the last maxServedRequests bodies received), POST /_emulator/faults, POST /_emulator/reset.
 */
export async function startEmulator({
  port = 0,
  host = '127.0.0.1',
  seed = 1,
  streamDelayMs = 5,
  secrets,
  maxRecordedRequests = 1000,
  region: defaultRegion = 'us-east-1',
  deniedModels = [],
  applicationProfiles = {},
  maxServedRequests = 200,
  now = Date.now,
  guardrails = {},
  ...faultOptions
}: EmulatorOptions = {}): Promise<Emulator> {
  const injector = createFaultInjector({ latencyMs: 0, rpm: 0, throttleRate: 0, errorRate: 0, ...parseFaults(faultOptions) }, seed);
  const streamEnds = new EventEmitter();
  const stats = emptyStats();
  const requests: RecordedRequest[] = [];
  const promptCache = createPromptCache(now);
  const reset = () => {
    Object.assign(stats, emptyStats());
    requests.length = 0;
    promptCache.clear();
    injector.reset();
  };

  async function handleModelCall(req: EmulatorRequest, res: EmulatorResponse, route: Route, modelId: string, raw: Uint8Array): Promise<void> {
    const body = parseJson(raw);
    const record = recordRequest(req, route, modelId, body, raw);
    countRequest(stats, route, modelId);
    try {
      record.auth = await checkAuthorization({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body: raw }, { secrets });
      if (injector.faults.latencyMs > 0) await sleep(injector.faults.latencyMs);
      const resolved = resolveModelId(APPLICATION_PROFILE_ARN.test(modelId) ? (applicationProfiles[modelId] ?? modelId) : modelId);
      const region = regionOf(req, defaultRegion);
      // What Bedrock answers for an id it does not know in this region (a typo, or a model offered elsewhere).
      if (!resolved || resolved.model.family === 'local' || (!APPLICATION_PROFILE_ARN.test(modelId) && !isOfferedIn(resolved, region))) {
        throw validationError('The provided model identifier is invalid.');
      }
      if (deniedModels.includes(resolved.model.id)) throw accessDenied("You don't have access to the model with the specified model ID.");
      const family = resolved.model.family;
      const fault = injector.check();
      if (fault) throw fault;
      if (body === NOT_JSON) throw validationError('Malformed input request, please reformat your input and try again.');
      record.status = 200;
      const streamed = await answerModelCall({ res, route, model: resolved.model, modelId, body, stats, streamDelayMs, promptCache, guardrails });
      if (streamed) {
        if (streamed.cancelled) stats.streamsCancelled++;
        streamEnds.emit('end', streamed);
      }
    } catch (error) {
      fail(res, record, error);
    }
  }

  function recordRequest(req: EmulatorRequest, route: string, modelId: string, body: unknown, raw: Uint8Array): RecordedRequest {
    const record: RecordedRequest = { route, modelId, path: (req.url ?? '/').split('?')[0]!, at: new Date(now()).toISOString(), body: body === NOT_JSON ? Buffer.from(raw).toString('utf8') : body, auth: undefined, status: 0 };
    requests.push(record);
    if (requests.length > maxRecordedRequests) requests.splice(0, requests.length - maxRecordedRequests);
    return record;
  }

  function fail(res: EmulatorResponse, record: RecordedRequest, error: unknown): void {
    const serviceError = error instanceof ServiceError ? error : new ServiceError('InternalServerException', 500, String(error));
    record.status = serviceError.httpStatus;
    if (serviceError.type === 'ThrottlingException') stats.throttled++;
    else stats.errors++;
    if (!res.headersSent) sendServiceError(res, serviceError);
    else res.destroy();
  }

  /**
   * A JSON operation other than a model call: Rerank (Agents for Amazon Bedrock runtime, scored by term overlap)
   * and ApplyGuardrail. Recorded, authenticated and fault-injected like model calls.
   */
  async function handleOperation(req: EmulatorRequest, res: EmulatorResponse, raw: Uint8Array, route: string, target: (body: unknown) => string, answer: (body: unknown) => unknown): Promise<void> {
    const body = parseJson(raw);
    const record = recordRequest(req, route, body === NOT_JSON ? '' : target(body), body, raw);
    countRequest(stats, route, record.modelId);
    try {
      record.auth = await checkAuthorization({ method: 'POST', url: req.url ?? '/', headers: req.headers, body: raw }, { secrets });
      if (injector.faults.latencyMs > 0) await sleep(injector.faults.latencyMs);
      const fault = injector.check();
      if (fault) throw fault;
      if (body === NOT_JSON) throw validationError('Malformed input request, please reformat your input and try again.');
      const json = answer(body);
      record.status = 200;
      sendJson(res, 200, json);
    } catch (error) {
      fail(res, record, error);
    }
  }

  const rerank = (req: EmulatorRequest) => (body: unknown) => {
    const out = answerRerank(body, regionOf(req, defaultRegion));
    stats.rerankedSources += out.documents;
    return out.json;
  };

  async function handleCatalog(req: EmulatorRequest, res: EmulatorResponse, path: string): Promise<void> {
    try {
      await checkAuthorization({ method: 'GET', url: req.url ?? '/', headers: req.headers, body: new Uint8Array() }, { secrets });
    } catch (error) {
      return sendServiceError(res, error instanceof ServiceError ? error : new ServiceError('InternalServerException', 500, String(error)));
    }
    const url = new URL(path, 'http://emulator');
    const region = regionOf(req, defaultRegion);
    if (url.pathname === '/foundation-models') return sendJson(res, 200, listFoundationModels(region));
    const maxResults = Number(url.searchParams.get('maxResults') ?? 1000);
    const nextToken = url.searchParams.get('nextToken');
    return sendJson(res, 200, listInferenceProfiles(region, { maxResults, ...(nextToken ? { nextToken } : {}) }));
  }

  function handleControl(res: EmulatorResponse, method: string, path: string, raw: Uint8Array): void {
    if (method === 'GET' && path === '/_emulator/stats') return sendJson(res, 200, { ...stats, faults: injector.faults });
    if (method === 'GET' && path === '/_emulator/requests') return sendJson(res, 200, { requests: requests.slice(-maxServedRequests) });
    if (method === 'POST' && path === '/_emulator/reset') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_emulator/faults') {
      const parsed = faultsSchema.safeParse(parseJson(raw));
      if (!parsed.success) return sendJson(res, 400, { message: `Invalid faults: ${z.prettifyError(parsed.error)}` });
      injector.set(parsed.data);
      return sendJson(res, 200, injector.faults);
    }
    sendJson(res, 404, { message: `No emulator control endpoint ${method} ${path}` });
  }

  const server = createDualProtocolServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = req.url ?? '/';
      const match = MODEL_ROUTE.exec(path);
      if (path.startsWith('/_emulator/')) return handleControl(res, req.method ?? 'GET', path.split('?')[0]!, raw);
      if (req.method === 'GET' && (path.startsWith('/foundation-models') || path.startsWith('/inference-profiles'))) return handleCatalog(req, res, path);
      if (req.method === 'POST' && path.split('?')[0] === '/rerank') return handleOperation(req, res, raw, 'rerank', rerankModelOf, rerank(req));
      const guard = req.method === 'POST' ? GUARDRAIL_ROUTE.exec(path) : null;
      if (guard) {
        const [id, version] = [decodeURIComponent(guard[1]!), decodeURIComponent(guard[2]!)];
        return handleOperation(req, res, raw, 'apply-guardrail', () => id, (body) => applyGuardrail(id, version, body, guardrails));
      }
      if (!match || req.method !== 'POST') {
        return sendServiceError(res, new ServiceError('UnknownOperationException', 404, `No operation at ${req.method} ${path}`));
      }
      await handleModelCall(req, res, match[2] as Route, decodeURIComponent(match[1]!), raw);
    })().catch(() => res.destroy());
  });
  const boundPort = await server.listen(port, host);
  // A wildcard bind is reachable on loopback; print an address a client can use.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    stats,
    requests,
    get faults() {
      return { ...injector.faults };
    },
    setFaults: (partial) => injector.set(parseFaults(partial)),
    nextStreamEnd: async () => ((await once(streamEnds, 'end')) as [StreamEnd])[0],
    reset,
    close: () => server.close(),
  };
}

function parseFaults(partial: Partial<Faults>): Partial<Faults> {
  const parsed = faultsSchema.safeParse(Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new UsageError(`Invalid emulator faults: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
