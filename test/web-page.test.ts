import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_LAUNCH_TIMEOUT_MS, launchBrowser } from './find-browser.js';
import { indexedKb, type KbFixture, serve, type Served } from './server-fixture.js';

const OUTPUT = resolve(import.meta.dirname, '..', 'test-output');
const READER_KEY = 'reader-secret-0123456789abcdef';

let kb: KbFixture;
let browser: Browser;

beforeAll(async () => {
  kb = await indexedKb();
  browser = await launchBrowser();
}, BROWSER_LAUNCH_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  kb?.close();
});

async function openPage(server: Served) {
  const page = await browser.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  return { page, requests, problems };
}

describe('web page', () => {
  it('streams an answer with citations that reveal their snippet, and talks only to its own origin', async () => {
    const server = await serve(kb);
    try {
      const { page, requests, problems } = await openPage(server);
      expect(await page.getByLabel('API key').isVisible()).toBe(false);
      await page.getByLabel('Question').fill('How long is the notice period?');
      await page.getByRole('button', { name: 'Ask' }).click();

      const answer = page.locator('#answer');
      await answer.getByText(/30 days/).waitFor();
      expect(await answer.getAttribute('aria-live')).toBe('polite');
      await page.locator('#status').getByText('Done.').waitFor();

      const citation = page.locator('#citations button.cite').first();
      await citation.waitFor();
      expect(await page.locator('#citations button.cite').count()).toBeGreaterThan(0);
      expect(await citation.getAttribute('aria-expanded')).toBe('false');
      const snippet = page.locator('#snippet-1');
      expect(await snippet.isVisible()).toBe(false);
      await citation.click();
      await snippet.waitFor({ state: 'visible' });
      expect(await citation.getAttribute('aria-expanded')).toBe('true');
      expect(await snippet.locator('.where').textContent()).toMatch(/data\/hr\/notice-periods-and-resignation\.md/);
      expect(await snippet.locator('blockquote').textContent()).toMatch(/notice period/i);
      // [n] markers in the answer open their source too.
      expect(await answer.locator('button.marker').count()).toBeGreaterThan(0);
      expect(await page.locator('#usage').textContent()).toMatch(/extractive · no model tokens · \d+ ms/);

      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: resolve(OUTPUT, 'web-page.png'), fullPage: true });

      const origin = new URL(server.url).origin;
      const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
      expect(foreign).toEqual([]);
      expect(requests.some((u) => u.endsWith('/v1/query'))).toBe(true);
      expect(problems).toEqual([]); // no CSP violations, no script errors
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('asks for an API key when auth is on and keeps it in sessionStorage', async () => {
    const server = await serve(kb, { env: { apiKeys: `web:reader:${READER_KEY}` } });
    try {
      const { page } = await openPage(server);
      const key = page.getByLabel('API key');
      await key.waitFor({ state: 'visible' });
      await page.getByLabel('Question').fill('How long is the notice period?');
      await page.getByRole('button', { name: 'Ask' }).click();
      await page.locator('#error').getByText(/API key/).waitFor();

      await key.fill(READER_KEY);
      expect(await page.evaluate(() => sessionStorage.getItem('kb-api-key'))).toBe(READER_KEY);
      await page.getByLabel('Question').press('Enter');
      await page.locator('#answer').getByText(/30 days/).waitFor();
      expect(await page.locator('#error').isVisible()).toBe(false);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
