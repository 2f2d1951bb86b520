import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answerer, AnswerInput } from '../src/answer/answerer.js';
import type { AnswerResult } from '../src/types.js';
import { BROWSER_LAUNCH_TIMEOUT_MS, launchBrowser } from './find-browser.js';
import { indexedKb, type KbFixture, serve, type Served } from './server-fixture.js';

const OUTPUT = resolve(import.meta.dirname, '..', 'test-output');
const READER_KEY = 'reader-secret-0123456789abcdef';
const NOTICE_URL = 'https://handbook.example.com/hr/notice-periods';
const QUESTION = 'How long is the notice period?';

let kb: KbFixture;
let browser: Browser;

beforeAll(async () => {
  // The notice-period policy says where it is published, as front matter does.
  kb = await indexedKb({}, (dataDir) => {
    const file = join(dataDir, 'hr', 'notice-periods-and-resignation.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^---\n/, `---\nurl: ${NOTICE_URL}\n`));
  });
  browser = await launchBrowser();
}, BROWSER_LAUNCH_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await kb?.close();
});

async function openPage(server: Served) {
  const page = await browser.newPage();
  const requests: string[] = [];
  const queries: Array<{ question: string; history?: Array<{ role: string; content: string }> }> = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    requests.push(r.url());
    if (r.url().endsWith('/v1/query')) queries.push(r.postDataJSON());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  return { page, requests, queries, problems };
}

async function ask(page: Page, question: string) {
  await page.getByLabel('Question').fill(question);
  await page.getByRole('button', { name: 'Ask' }).click();
  await page.locator('#status').getByText(/^(Done\.|The knowledge base has no answer to that\.)$/).waitFor();
}

/** Markup a reader should never see: Markdown marks, escapes, HTML tags. */
const MARKUP = /\*\*|__|\]\(|\\[.()[\]*_#-]|<\/?[a-z][^>]*>|^#+ /m;

describe('web page', () => {
  it('shows the knowledge base, a clean answer with [n] buttons, and opens the cited passage in its document', async () => {
    const server = await serve(kb);
    try {
      const { page, requests, problems } = await openPage(server);
      expect(await page.getByLabel('API key').isVisible()).toBe(false);
      await page.locator('#kb-name').getByText(basename(kb.dir), { exact: true }).waitFor();
      await page.locator('#kb-documents').getByText(`· ${(await kb.kb.store.stats()).documents} documents`).waitFor();

      await ask(page, QUESTION);
      const answer = page.locator('#answer');
      expect(await answer.textContent()).toMatch(/30 days/);
      expect(await answer.textContent()).not.toMatch(MARKUP);
      expect(await answer.getAttribute('aria-live')).toBe('polite');

      // Sources: title, heading path and page of each, and a link to the original when the document has one.
      const first = page.locator('#citations li').first();
      await first.locator('.title').getByText('Notice Periods and Resignation').waitFor();
      expect(await first.locator('.meta').textContent()).not.toBe('');
      expect(await first.locator('a.original').getAttribute('href')).toBe(NOTICE_URL);
      expect(await first.locator('a.original').getAttribute('rel')).toBe('noopener noreferrer');

      // [n] markers are real buttons a finger or a mouse can hit.
      const marker = answer.locator('button.marker').first();
      const box = await marker.boundingBox();
      expect(box?.width).toBeGreaterThanOrEqual(18);
      expect(box?.height).toBeGreaterThanOrEqual(18);
      const n = Number((await marker.textContent())!.replace(/\D/g, ''));
      const panel = page.locator(`#snippet-${n}`);
      expect(await panel.isVisible()).toBe(false);
      await marker.click();
      await panel.waitFor({ state: 'visible' });
      expect(await page.locator(`#cite-${n}`).getAttribute('aria-expanded')).toBe('true');

      // In context: the cited chunk of its document, the quoted sentence marked, a neighbouring chunk around it.
      const passage = panel.locator('.context .passage');
      await passage.waitFor();
      const marked = (await passage.locator('mark').first().textContent())!;
      expect(marked.length).toBeGreaterThan(20);
      expect(await answer.textContent()).toContain(marked.replace(/\s+/g, ' ').slice(0, 40));
      expect(await panel.locator('.context .neighbour').count()).toBeGreaterThan(0);
      const chunkId = Number(await passage.getAttribute('data-chunk-id'));
      const documentId = await page.locator(`#cite-${n}`).getAttribute('data-document-id');
      const detail = (await (await fetch(`${server.url}/v1/documents/${documentId}`)).json()) as { chunks: Array<{ id: number; text: string }> };
      const chunk = detail.chunks.find((c) => c.id === chunkId);
      expect(chunk?.text.replace(/\s+/g, ' ')).toContain(marked.replace(/\s+/g, ' ').slice(0, 40));
      expect(await page.locator('#usage').textContent()).toMatch(/extractive · no model tokens · \d+ ms/);

      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: resolve(OUTPUT, 'web-page.png'), fullPage: true });

      const origin = new URL(server.url).origin;
      const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]); // no CSP violations, no script errors
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('shows the last folder sync from /readyz when the server watches its folders, and a failed one as such', async () => {
    const status = { state: 'idle' as const, runs: 3, errors: [], lastSyncAt: '2026-12-03T10:00:00.000Z' };
    const failed = { ...status, lastRun: { startedAt: '2026-12-03T10:05:00.000Z', finishedAt: '2026-12-03T10:05:01.000Z', changes: 2, ok: false, error: 'Bedrock throttled the embedding calls' } };
    let current: typeof status & { lastRun?: typeof failed.lastRun } = { ...status, lastRun: { ...failed.lastRun, ok: true, error: undefined as never } };
    const server = await serve(kb, { sync: () => ({ default: current }) });
    try {
      const { page } = await openPage(server);
      await page.locator('#kb-sync').getByText(/· synced /).waitFor();
      current = failed;
      await page.reload();
      await page.locator('#kb-sync.sync-failed').getByText('· last sync failed: Bedrock throttled the embedding calls').waitFor();
    } finally {
      await server.close();
    }
  });

  it('sends the conversation as history with a follow-up, and forgets it on "New conversation"', async () => {
    const server = await serve(kb);
    try {
      const { page, queries, problems } = await openPage(server);
      await ask(page, QUESTION);
      const firstAnswer = (await page.locator('#answer').textContent())!;
      expect(queries[0]?.history).toBeUndefined();

      await ask(page, 'And for contractors?');
      expect(queries[1]?.question).toBe('And for contractors?');
      expect(queries[1]?.history?.map((t) => t.role)).toEqual(['user', 'assistant']);
      expect(queries[1]?.history?.[0]?.content).toBe(QUESTION);
      expect(queries[1]?.history?.[1]?.content).toMatch(/30 days/);
      // The earlier turn stays on the page above the new answer.
      expect(await page.locator('#turns .turn-question').allTextContents()).toEqual([QUESTION]);
      expect(await page.locator('#turns .turn-answer').first().textContent()).toBe(firstAnswer.replace(/\s+$/, ''));
      expect(await page.locator('#asked').textContent()).toBe('And for contractors?');

      await page.getByRole('button', { name: 'New conversation' }).click();
      expect(await page.locator('#conversation').isVisible()).toBe(false);
      await ask(page, QUESTION);
      expect(queries[2]?.history).toBeUndefined();
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('renders Markdown from a model as text, and never runs HTML from an answer or a document', async () => {
    const answerer = markdownAnswerer();
    const server = await serve(kb, { answerer });
    try {
      const { page, problems } = await openPage(server);
      await ask(page, QUESTION);
      const answer = page.locator('#answer');
      expect(await answer.locator('strong').textContent()).toBe('Thirty days');
      expect(await answer.locator('code').textContent()).toBe('notice_period');
      const text = (await answer.textContent())!;
      expect(text).toContain('See the policy.');
      expect(text).not.toMatch(MARKUP);
      expect(text).not.toContain('javascript:');
      await page.locator('#cite-1').click();
      await page.locator('#snippet-1 .context .passage').waitFor();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('#answer a, #citations script, #answer script').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(answerer.calls).toBe(1);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('asks for an API key when auth is on, keeps it in sessionStorage, and then shows the document count', async () => {
    const server = await serve(kb, { env: { apiKeys: `web:reader:${READER_KEY}` } });
    try {
      const { page } = await openPage(server);
      const key = page.getByLabel('API key');
      await key.waitFor({ state: 'visible' });
      expect(await page.locator('#kb-documents').textContent()).toBe('');
      await page.getByLabel('Question').fill(QUESTION);
      await page.getByRole('button', { name: 'Ask' }).click();
      await page.locator('#error').getByText(/API key/).waitFor();

      await key.fill(READER_KEY);
      expect(await page.evaluate(() => sessionStorage.getItem('kb-api-key'))).toBe(READER_KEY);
      await page.getByLabel('Question').press('Enter');
      await page.locator('#answer').getByText(/30 days/).waitFor();
      expect(await page.locator('#error').isVisible()).toBe(false);
      await page.locator('#kb-documents').getByText(`· ${(await kb.kb.store.stats()).documents} documents`).waitFor();
      await page.close();
    } finally {
      await server.close();
    }
  });
});

/**
 * An answerer that writes what an LLM writes (Markdown) plus hostile HTML, citing the first source; its
 * snippet carries a script tag. Implements the real interface; counts its calls.
 */
function markdownAnswerer(): Answerer & { calls: number } {
  const double = {
    modelId: 'markdown-double',
    calls: 0,
    async rewriteQuery(): Promise<never> {
      throw new Error('markdown-double: rewriteQuery was not set up (no history expected)');
    },
    async answer({ sources, onToken }: AnswerInput): Promise<AnswerResult> {
      double.calls++;
      const source = sources[0];
      if (!source) throw new Error('markdown-double: expected at least one source');
      const text = '**Thirty days** of notice, set as `notice_period` [1]\\. See [the policy](javascript:window.pwned=1). <img src=x onerror="window.pwned=2">';
      for (const piece of text.match(/.{1,12}/gs) ?? []) onToken?.(piece);
      return {
        answer: text, found: true, sources, model: 'markdown-double', usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 },
        citations: [{ n: source.n, documentId: source.documentId, path: source.path, snippet: `${source.text.slice(0, 60)}<script>window.pwned=3</script>`, score: source.score }],
      };
    },
  };
  return double;
}
