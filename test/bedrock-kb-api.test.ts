import { BedrockAgentRuntimeClient, RetrieveAndGenerateCommand, RetrieveAndGenerateStreamCommand, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { AmazonKnowledgeBaseRetriever } from '@langchain/aws';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKbApiHandler } from '../src/bedrock-kb-api/kb-api-handler.js';
import type { KbApiKeys } from '../src/bedrock-kb-api/authenticate-request.js';
import { kbApiRouter } from '../src/bedrock-kb-api/kb-api-router.js';
import { serveHttp1AndH2c } from '../src/bedrock-kb-api/serve-http1-and-h2c.js';
import type { DualProtocolServer } from '../src/emulator/dual-protocol-server.js';
import { KEYS, type TwoCollections, twoCollections } from './collections-fixture.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { rawRequest } from './http-client.js';

useFakeAwsCredentials();

/** Access key id = the key's name, secret = the key, as the issue asks. */
const byName = new Map(Object.entries(KEYS).map(([secret, principal]) => [principal.name, { secret, principal }]));
const keys: KbApiKeys = {
  enabled: true,
  secretFor: (id) => byName.get(id)?.secret,
  principalFor: (id) => byName.get(id)?.principal,
  bearer: (token) => KEYS[token],
};

let kbs: TwoCollections;
let server: DualProtocolServer;
let endpoint: string;
let hrId: string;
let defaultId: string;
const audit: Array<{ principal?: string; operation: string; collection?: string; status: number }> = [];

beforeAll(async () => {
  kbs = await twoCollections();
  hrId = kbs.catalog.byName('hr')!.knowledgeBaseId;
  defaultId = kbs.catalog.byName('default')!.knowledgeBaseId;
  const handler = createKbApiHandler({ catalog: kbs.catalog, keys, onRequest: (e) => audit.push(e) });
  const app = express();
  app.use(kbApiRouter(handler));
  app.use((_req, res) => void res.status(404).json({ title: 'not found' }));
  server = serveHttp1AndH2c(app, handler);
  endpoint = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await kbs?.close();
});

const client = (name: string, secret = [...byName.values()].find((k) => k.principal.name === name)?.secret ?? 'x') =>
  new BedrockAgentRuntimeClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: name, secretAccessKey: secret } });

describe('Retrieve', () => {
  it('answers with the documented result shape: content, location, metadata, score', async () => {
    const out = await client('people').send(new RetrieveCommand({
      knowledgeBaseId: hrId, retrievalQuery: { text: 'How many weeks of parental leave?' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 3 } },
    }));
    expect(out.retrievalResults?.length).toBe(3);
    const first = out.retrievalResults![0]!;
    expect(first.content?.type).toBe('TEXT');
    expect(first.content?.text?.length).toBeGreaterThan(20);
    expect(first.location).toEqual({ type: 'CUSTOM', customDocumentLocation: { id: expect.stringMatching(/^data\/hr\//) } });
    expect(first.metadata?.['x-amz-bedrock-kb-source-uri']).toBe(first.location?.customDocumentLocation?.id);
    expect(first.metadata?.['x-amz-bedrock-kb-data-source-id']).toBe('hr');
    expect(typeof first.score).toBe('number');
    expect(out.retrievalResults!.some((r) => String(r.metadata?.['x-amz-bedrock-kb-source-uri']).includes('parental-leave'))).toBe(true);
  });

  it('applies a filter expression (startsWith on the source uri, orAll, equals on format)', async () => {
    const filtered = await client('ops').send(new RetrieveCommand({
      knowledgeBaseId: defaultId, retrievalQuery: { text: 'policy' },
      retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 10, filter: { orAll: [
        { startsWith: { key: 'x-amz-bedrock-kb-source-uri', value: 'data/it/' } },
        { equals: { key: 'format', value: 'pdf' } },
      ] } } },
    }));
    const uris = filtered.retrievalResults!.map((r) => String(r.metadata?.['x-amz-bedrock-kb-source-uri']));
    expect(uris.length).toBeGreaterThan(0);
    expect(uris.every((u) => u.startsWith('data/it/') || u.endsWith('.pdf'))).toBe(true);
    expect(uris.some((u) => u.endsWith('.pdf'))).toBe(true);
  });

  it('the page number key is set for PDF passages', async () => {
    const out = await client('ops').send(new RetrieveCommand({
      knowledgeBaseId: 'default', retrievalQuery: { text: 'information security policy' },
      retrievalConfiguration: { vectorSearchConfiguration: { filter: { equals: { key: 'format', value: 'pdf' } } } },
    }));
    expect(out.retrievalResults!.length).toBeGreaterThan(0);
    expect(out.retrievalResults!.every((r) => typeof r.metadata?.['x-amz-bedrock-kb-document-page-number'] === 'number')).toBe(true);
  });

  it('refuses a wrong secret, an unknown key id and an unsigned request with the service\'s errors', async () => {
    const query = { knowledgeBaseId: hrId, retrievalQuery: { text: 'leave' } };
    await expect(client('people', 'not-the-key-0123456789').send(new RetrieveCommand(query))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    await expect(client('nobody', 'whatever-0123456789').send(new RetrieveCommand(query))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    const unsigned = await rawRequest(endpoint, `/knowledgebases/${hrId}/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ retrievalQuery: { text: 'leave' } }) });
    expect(unsigned.status).toBe(403);
    expect(String(unsigned.headers['x-amzn-errortype'])).toMatch(/^AccessDeniedException/);
    expect(unsigned.json.message).toMatch(/Authorization/);
  });

  it('a key out of scope gets the same ResourceNotFoundException as for a knowledge base that does not exist', async () => {
    const hidden = await client('eng').send(new RetrieveCommand({ knowledgeBaseId: hrId, retrievalQuery: { text: 'parental leave' } })).catch((e: Error) => e);
    const absent = await client('eng').send(new RetrieveCommand({ knowledgeBaseId: 'ZZZZZZZZZZ', retrievalQuery: { text: 'parental leave' } })).catch((e: Error) => e);
    expect(hidden).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect((hidden as Error).message.replace(hrId, 'ID')).toBe((absent as Error).message.replace('ZZZZZZZZZZ', 'ID'));
    expect(audit.some((a) => a.principal === 'eng' && a.collection === 'hr')).toBe(false);
  });

  it('answers a bad request with ValidationException', async () => {
    await expect(client('ops').send(new RetrieveCommand({ knowledgeBaseId: hrId, retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 0 } } })))
      .rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await expect(client('ops').send(new RetrieveCommand({ knowledgeBaseId: hrId, retrievalQuery: { text: 'x' }, retrievalConfiguration: { vectorSearchConfiguration: { filter: { equals: { key: 'a', value: 1 }, notEquals: { key: 'b', value: 2 } } as never } } })))
      .rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('works over HTTP/1.1 through the Express router, signed with a bearer key as well', async () => {
    const res = await rawRequest(endpoint, `/knowledgebases/${hrId}/retrieve`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer key-hr-only-0123456789' }, body: JSON.stringify({ retrievalQuery: { text: 'remote work' } }),
    });
    expect(res.status).toBe(200);
    expect(res.json.retrievalResults.length).toBe(5);
  });
});

describe('RetrieveAndGenerate', () => {
  const rag = (question: string, sessionId?: string) => ({
    input: { text: question }, ...(sessionId ? { sessionId } : {}),
    retrieveAndGenerateConfiguration: { type: 'KNOWLEDGE_BASE' as const, knowledgeBaseConfiguration: { knowledgeBaseId: hrId, modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0' } },
  });

  it('returns the answer with citations whose spans point into the output', async () => {
    const out = await client('people').send(new RetrieveAndGenerateCommand(rag('How long is the notice period?')));
    expect(out.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.output?.text).toBeTruthy();
    expect(out.output!.text).not.toMatch(/\[\d+\]/);
    expect(out.citations!.length).toBeGreaterThan(0);
    for (const c of out.citations!) {
      const part = c.generatedResponsePart!.textResponsePart!;
      expect(out.output!.text!.slice(part.span!.start!, part.span!.end! + 1)).toBe(part.text);
      expect(c.retrievedReferences!.length).toBeGreaterThan(0);
      expect(c.retrievedReferences![0]!.metadata?.['x-amz-bedrock-kb-source-uri']).toMatch(/^data\/hr\//);
    }
    expect(out.citations!.some((c) => c.retrievedReferences!.some((r) => String(r.location?.customDocumentLocation?.id).includes('notice-periods')))).toBe(true);
  });

  it('continues a session; another key cannot use its id', async () => {
    const first = await client('people').send(new RetrieveAndGenerateCommand(rag('What is the parental leave policy?')));
    const follow = await client('people').send(new RetrieveAndGenerateCommand(rag('How many weeks is it?', first.sessionId)));
    expect(follow.sessionId).toBe(first.sessionId);
    expect(follow.citations!.some((c) => c.retrievedReferences!.some((r) => String(r.location?.customDocumentLocation?.id).includes('parental-leave')))).toBe(true);
    await expect(client('ops').send(new RetrieveAndGenerateCommand(rag('How many weeks is it?', first.sessionId)))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('streams output events, then citations, with the session id the non-streamed call would give', async () => {
    const question = 'How long is the notice period?';
    const plain = await client('people').send(new RetrieveAndGenerateCommand(rag(question)));
    const streamed = await client('people').send(new RetrieveAndGenerateStreamCommand(rag(question)));
    expect(streamed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    let text = '';
    const citations: unknown[] = [];
    let outputAfterCitation = false;
    for await (const event of streamed.stream!) {
      if (event.output) {
        text += event.output.text;
        if (citations.length) outputAfterCitation = true;
      }
      if (event.citation) citations.push(event.citation);
    }
    expect(text).toBe(plain.output!.text);
    expect(outputAfterCitation).toBe(false);
    expect(citations.length).toBe(plain.citations!.length);
    expect(citations[0]).toMatchObject({ generatedResponsePart: plain.citations![0]!.generatedResponsePart });
  });

  it('refuses EXTERNAL_SOURCES and hidden knowledge bases', async () => {
    await expect(client('people').send(new RetrieveAndGenerateCommand({ input: { text: 'x' }, retrieveAndGenerateConfiguration: { type: 'EXTERNAL_SOURCES' } }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client('eng').send(new RetrieveAndGenerateStreamCommand(rag('notice period?')))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('LangChain AmazonKnowledgeBaseRetriever', () => {
  it('retrieves Documents through the API given only an endpoint and credentials', async () => {
    const retriever = new AmazonKnowledgeBaseRetriever({
      knowledgeBaseId: hrId, topK: 2, region: 'us-east-1',
      clientOptions: { endpoint, credentials: { accessKeyId: 'people', secretAccessKey: 'key-hr-only-0123456789' } },
    });
    const docs = await retriever.invoke('remote work equipment');
    expect(docs).toHaveLength(2);
    expect(docs[0]!.pageContent.length).toBeGreaterThan(20);
    expect(docs[0]!.metadata['x-amz-bedrock-kb-source-uri']).toMatch(/remote-work/);
    expect(typeof docs[0]!.metadata.score).toBe('number');
  });
});
