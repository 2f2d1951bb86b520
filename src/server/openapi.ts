import { z } from 'zod';
import * as s from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** Request bodies are documented as clients send them (defaults optional); responses as the server sends them. */
const input = (schema: z.ZodType): JsonSchema => strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
const output = (schema: z.ZodType): JsonSchema => strip(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));
/** Each schema is embedded in the document, which declares the dialect once. */
function strip({ $schema: _dialect, ...rest }: JsonSchema): JsonSchema {
  return rest;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const problemRef = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });

const COMMON_ERRORS = {
  400: problem('Invalid input; `errors` names each field'),
  401: problem('No or wrong API key (WWW-Authenticate says which)'),
  429: problem('Rate limited; Retry-After says when to come back'),
};
const ADMIN_ERRORS = { ...COMMON_ERRORS, 403: problem('The key is a reader key; this needs admin') };

const bearer = [{ bearer: [] }];

/** OpenAPI 3.1 for every route the app serves; request and response schemas come from the zod schemas the routes use. */
export function buildOpenApi({ maxQuestionChars, version }: { maxQuestionChars: number; version: string }) {
  const idParam = (description: string, schema: JsonSchema) => ({ name: 'id', in: 'path', required: true, description, schema });
  return {
    openapi: '3.1.0',
    info: { title: 'bedrock-kb', version, description: 'Cited answers from your own documents. Errors are RFC 9457 problem+json.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from KB_API_KEYS or server.apiKeys; none needed when auth is off' } },
      schemas: { Problem: output(s.problemSchema) },
    },
    paths: {
      '/v1/query': {
        post: {
          summary: 'Answer a question with citations',
          description:
            'JSON by default. With `Accept: text/event-stream` or `"stream": true`, Server-Sent Events: `sources`, then `token`s, then `citations`, `usage` and `done`; a failure after the first event is an `error` event whose data is a problem document.',
          security: bearer,
          requestBody: { required: true, content: json(input(s.querySchema({ maxQuestionChars }))) },
          responses: {
            200: { description: 'The answer', content: { ...json(output(s.queryResponseSchema)), 'text/event-stream': { schema: { type: 'string' } } } },
            ...COMMON_ERRORS,
            413: problem('Body larger than server.maxBodyBytes'),
            502: problem('The model failed for good'),
            503: problem('Model throttled or unavailable, or too many answers in flight; Retry-After says when to retry'),
          },
        },
      },
      '/v1/retrieve': {
        post: {
          summary: 'Ranked chunks for a query (no answer)',
          security: bearer,
          requestBody: { required: true, content: json(input(s.retrieveSchema({ maxQuestionChars }))) },
          responses: { 200: { description: 'Ranked chunks, best first', content: json(output(s.retrieveResponseSchema)) }, ...COMMON_ERRORS, 413: problem('Body too large') },
        },
      },
      '/v1/documents': {
        get: {
          summary: 'List documents, paged, ordered by path',
          security: bearer,
          parameters: [
            { name: 'pathPrefix', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          ],
          responses: { 200: { description: 'A page of documents', content: json(output(s.documentListSchema)) }, ...COMMON_ERRORS },
        },
      },
      '/v1/documents/{id}': {
        parameters: [idParam("Document id (decimal digits)", { type: "string", pattern: "^[0-9]+$" })],
        get: {
          summary: 'A document with its chunks',
          security: bearer,
          responses: { 200: { description: 'The document', content: json(output(s.documentDetailSchema)) }, ...COMMON_ERRORS, 404: problem('No such document') },
        },
        delete: {
          summary: 'Remove a document and its chunks from the index (admin)',
          security: bearer,
          responses: {
            200: { description: 'Removed', content: json({ type: 'object', properties: { removed: { type: 'object' }, chunks: { type: 'integer' }, note: { type: 'string' } } }) },
            ...ADMIN_ERRORS,
            404: problem('No such document'),
            409: problem('An index run holds the lock'),
          },
        },
      },
      '/v1/index': {
        post: {
          summary: 'Re-index the configured roots as a background job (admin)',
          security: bearer,
          responses: {
            202: { description: 'Started; poll the job', content: json({ type: 'object', properties: { jobId: { type: 'string' }, status: { type: 'string' }, href: { type: 'string' } } }) },
            ...ADMIN_ERRORS,
            409: problem('A job is running (`jobId` names it) or another process holds the index lock'),
          },
        },
      },
      '/v1/jobs/{id}': {
        parameters: [idParam('Job id', { type: 'string', format: 'uuid' })],
        get: {
          summary: 'State of an index job (admin)',
          security: bearer,
          responses: { 200: { description: 'The job', content: json(output(s.jobSchema)) }, ...ADMIN_ERRORS, 404: problem('No such job') },
        },
      },
      '/v1/config': {
        get: {
          summary: 'What the web page needs to know: whether a key is required, limits',
          responses: { 200: { description: 'Public settings', content: json({ type: 'object', properties: { authRequired: { type: 'boolean' }, maxQuestionChars: { type: 'integer' }, model: { type: 'string' }, knowledgeBase: { type: 'object', properties: { name: { type: 'string' } } } } }) } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'The process answers' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: store, vector index and model provider (provider check cached ~30 s)',
          responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready; `checks` says what failed' } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics (needs a key when auth is on)', security: bearer, responses: { 200: { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: problem('No or wrong API key') } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/': { get: { summary: 'The web page', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
      '/app.js': { get: { summary: "The web page's script", responses: { 200: { description: 'JavaScript' } } } },
      '/app.css': { get: { summary: "The web page's style sheet", responses: { 200: { description: 'CSS' } } } },
    },
  };
}
