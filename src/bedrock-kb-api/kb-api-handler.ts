import { clientAddress, type KeyGate } from '../server/key-gate.js';
import { randomUUID } from 'node:crypto';
import type { CollectionCatalog } from '../collections/collection-catalog.js';
import type { Collection } from '../collections/collection-catalog.js';
import type { AskRequest } from '../collections/kb-service.js';
import type { RetrievalFilter } from '../collections/retrieval-filter.js';
import { accessFilter, mayRead, type ScopedPrincipal } from '../collections/scope.js';
import { type EmulatorRequest, type EmulatorResponse, peerAddress } from '../emulator/dual-protocol-server.js';
import { encodeEvent, EVENT_STREAM_CONTENT_TYPE } from '../emulator/event-stream.js';
import { sendJson, sendServiceError } from '../emulator/send-response.js';
import { ServiceError, validationError } from '../emulator/service-error.js';
import { isAbortError, KbError } from '../errors.js';
import { type KbApiKeys, authenticateRequest } from './authenticate-request.js';
import { citedParts, createMarkerStripper } from './cited-parts.js';
import { encodeException } from './encode-exception.js';
import { retrieveAndGenerateBodySchema, retrieveBodySchema, validationMessage } from './request-schemas.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { attributeKeyFor, retrievalResultOf, retrievedReferenceOf } from './to-bedrock-shapes.js';
import { z } from 'zod';

export interface KbApiOptions {
  catalog: CollectionCatalog;
  keys: KbApiKeys;
  sessions?: SessionStore;
  /** Largest request body read (the service's own limit is not documented; queries are at most 20,000 characters). */
  maxBodyBytes?: number;
  /** One line per request for the audit log: who, which operation, which collection, the status answered. */
  /** The invalid-key lockout and per-key rate limit; none in tests that do not need them. */
  gate?: KeyGate;
  onRequest?: (entry: { principal?: string; operation: string; collection?: string; status: number; error?: string }) => void;
}

export type KbApiHandler = (req: EmulatorRequest, res: EmulatorResponse) => Promise<boolean>;

const SESSION_HEADER = 'x-amzn-bedrock-knowledge-base-session-id';
const RETRIEVE_PATH = /^\/knowledgebases\/([^/?]+)\/retrieve$/;

/**
 * The Bedrock Knowledge Bases runtime API (Retrieve, RetrieveAndGenerate, RetrieveAndGenerateStream) over the
 * collections, for HTTP/1.1 (mounted in Express) and HTTP/2 (the AWS SDK's default). Resolves false for a
 * request that is not one of its routes, so the caller passes it on.
 */
export function createKbApiHandler({ catalog, keys, gate, sessions = createSessionStore(), maxBodyBytes = 256_000, onRequest }: KbApiOptions): KbApiHandler {
  return async (req, res) => {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const path = url.split('?')[0]!;
    const retrieveId = RETRIEVE_PATH.exec(path)?.[1];
    const operation = retrieveId !== undefined ? 'Retrieve' : path === '/retrieveAndGenerate' ? 'RetrieveAndGenerate' : path === '/retrieveAndGenerateStream' ? 'RetrieveAndGenerateStream' : undefined;
    if (!operation) return false;
    let principal: ScopedPrincipal | undefined;
    let collection: string | undefined;
    try {
      if (req.method !== 'POST') throw new ServiceError('UnknownOperationException', 404, `${req.method} ${path} is not an operation; use POST.`);
      const address = clientAddress(peerAddress(req));
      if (gate && keys.enabled && gate.blockedFor(address)) throw new ServiceError('ThrottlingException', 429, 'Too many requests with invalid credentials from this address; retry later.');
      const body = await readLimited(req, maxBodyBytes);
      principal = await authenticateRequest({ method: req.method, url, headers: req.headers as ReceivedHeaders, body }, keys).catch((error: unknown) => {
        if (error instanceof ServiceError && error.httpStatus === 403) gate?.recordFailure(address);
        throw error;
      });
      if (gate && (await gate.hit(keys.enabled ? `key:${principal.name}` : `ip:${address}`))) throw new ServiceError('ThrottlingException', 429, 'Rate exceeded.');
      const json = parseJson(body);
      if (operation === 'Retrieve') {
        const input = parse(retrieveBodySchema, json);
        const target = resolve(catalog, principal, decodeURIComponent(retrieveId!));
        collection = target.name;
        const search = input.retrievalConfiguration?.vectorSearchConfiguration;
        const passages = await target.service.retrieve(input.retrievalQuery.text, {
          ...visibleTo(principal), k: search?.numberOfResults ?? 5, ...(search?.overrideSearchType ? { searchType: search.overrideSearchType } : {}), ...(search?.filter ? { where: translateFilter(search.filter) } : {}),
        });
        sendJson(res, 200, { retrievalResults: passages.map((p) => retrievalResultOf(p, target.name)) });
      } else {
        const input = parse(retrieveAndGenerateBodySchema, json);
        const config = input.retrieveAndGenerateConfiguration;
        if (config.type !== 'KNOWLEDGE_BASE' || !config.knowledgeBaseConfiguration) {
          throw validationError('Only retrieveAndGenerateConfiguration.type KNOWLEDGE_BASE with a knowledgeBaseConfiguration is supported by this server.');
        }
        const target = resolve(catalog, principal, config.knowledgeBaseConfiguration.knowledgeBaseId);
        collection = target.name;
        const history = input.sessionId ? sessions.history(input.sessionId, principal.name, target.name) : [];
        if (!history) throw new ServiceError('ValidationException', 400, `Session with Id ${input.sessionId} is not valid. Please check and try again.`);
        const search = config.knowledgeBaseConfiguration.retrievalConfiguration?.vectorSearchConfiguration;
        const ask: AskRequest = {
          ...visibleTo(principal), ...(search?.numberOfResults ? { k: search.numberOfResults } : {}), ...(search?.filter ? { where: translateFilter(search.filter) } : {}), ...(history.length ? { history } : {}),
        };
        if (operation === 'RetrieveAndGenerate') {
          const answer = await target.service.ask(input.input.text, ask);
          const { text, parts } = citedParts(answer.answer);
          const sessionId = sessions.record(input.sessionId, principal.name, target.name, input.input.text, text);
          sendJson(res, 200, { sessionId, output: { text }, citations: parts.map((part) => citationOf(part, answer.passages, target.name)) });
        } else {
          await streamAnswer(res, { target, question: input.input.text, ask, sessions, sessionId: input.sessionId ?? randomUUID(), owner: principal.name });
        }
      }
      onRequest?.({ principal: principal.name, operation, ...(collection ? { collection } : {}), status: 200 });
    } catch (error) {
      const serviceError = toServiceError(error);
      if (!res.headersSent) sendServiceError(res, serviceError);
      else res.destroy();
      onRequest?.({ ...(principal ? { principal: principal.name } : {}), operation, ...(collection ? { collection } : {}), status: serviceError.httpStatus, error: serviceError.type });
    }
    return true;
  };
}

type ReceivedHeaders = Record<string, string | string[] | undefined>;

/** Unknown and out-of-scope knowledge bases get the same answer, so a key never learns one exists. */
function resolve(catalog: CollectionCatalog, principal: ScopedPrincipal, knowledgeBaseId: string): Collection {
  const found = catalog.byKnowledgeBaseId(knowledgeBaseId);
  if (!found || !mayRead(principal, found.name)) throw new ServiceError('ResourceNotFoundException', 404, `Knowledge base ${knowledgeBaseId} is not found.`);
  return found;
}

/** The filter arrives in our own shape already; only the service's reserved source-uri key is renamed. */
function translateFilter(filter: RetrievalFilter): RetrievalFilter {
  if ('andAll' in filter) return { andAll: filter.andAll.map(translateFilter) };
  if ('orAll' in filter) return { orAll: filter.orAll.map(translateFilter) };
  const [op, attribute] = Object.entries(filter)[0] as [string, { key: string; value: unknown }];
  return { [op]: { key: attributeKeyFor(attribute.key), value: attribute.value } } as RetrievalFilter;
}

function citationOf(part: ReturnType<typeof citedParts>['parts'][number], passages: Map<number, Parameters<typeof retrievedReferenceOf>[0]>, collection: string) {
  return {
    generatedResponsePart: { textResponsePart: { text: part.text, span: { start: part.start, end: part.end } } },
    retrievedReferences: part.citations.flatMap((n) => {
      const p = passages.get(n);
      return p ? [retrievedReferenceOf(p, collection)] : [];
    }),
  };
}

/**
 * RetrieveAndGenerateStream: `output` events with the answer text as it is written (markers removed), then a
 * `citation` event per cited part. The session id travels in a response header, as the service sends it.
 */
async function streamAnswer(
  res: EmulatorResponse,
  { target, question, ask, sessions, sessionId, owner }: { target: Collection; question: string; ask: AskRequest; sessions: SessionStore; sessionId: string; owner: string },
): Promise<void> {
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const stripper = createMarkerStripper();
  const send = (text: string) => {
    if (!text || closed.signal.aborted) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), [SESSION_HEADER]: sessionId });
    res.write(encodeEvent('output', { text }));
  };
  try {
    const answer = await target.service.ask(question, { ...ask, signal: closed.signal, onToken: (t) => send(stripper.push(t)) });
    send(stripper.flush());
    const { text, parts } = citedParts(answer.answer);
    if (!res.headersSent) res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), [SESSION_HEADER]: sessionId });
    for (const part of parts) {
      const citation = citationOf(part, answer.passages, target.name);
      res.write(encodeEvent('citation', { ...citation, citation }));
    }
    sessions.record(sessionId, owner, target.name, question, text);
    res.end();
  } catch (error) {
    if (closed.signal.aborted && isAbortError(error)) return;
    if (!res.headersSent) throw error;
    // Mid-stream the status is already sent: the failure travels as an exception event, as the service does.
    const e = toServiceError(error);
    res.write(encodeException(e.type, e.message));
    res.end();
  }
}

function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof z.ZodError) return validationError(validationMessage(error));
  if (error instanceof KbError) {
    if (error.httpStatus === 404) return new ServiceError('ResourceNotFoundException', 404, error.message);
    if (error.httpStatus < 500 && error.httpStatus !== 409) return validationError(error.message);
    if (error.httpStatus === 502) return new ServiceError('DependencyFailedException', 424, error.message);
  }
  return new ServiceError('InternalServerException', 500, 'The server could not complete the request; its log has the cause.');
}

function parse<T>(schema: z.ZodType<T>, json: unknown): T {
  const result = schema.safeParse(json);
  if (!result.success) throw validationError(validationMessage(result.error));
  return result.data;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8') || '{}');
  } catch {
    throw new ServiceError('SerializationException', 400, 'The request body is not valid JSON.');
  }
}

async function readLimited(req: EmulatorRequest, max: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new ServiceError('ValidationException', 413, `The request body is larger than ${max} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The principal's access tags for the store queries (none: it may see every document). */
function visibleTo(principal: ScopedPrincipal): { visibleTo?: string[] } {
  const tags = accessFilter(principal);
  return tags ? { visibleTo: tags } : {};
}
