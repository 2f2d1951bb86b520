import { describe, expect, it } from 'vitest';
import { PAGE_JS } from '../src/server/web-page-script.js';
import { PAGE_TEXT_JS } from '../src/server/web-page-text.js';

// The page's text cleaner, run as the browser runs it (its DOM half is covered by test/web-page.test.ts).
const kbText = new Function(`${PAGE_TEXT_JS}; return kbText;`)() as { cleanText(text: string): string };

describe('the web page text cleaner', () => {
  it.each([
    ['## Notice periods', 'Notice periods'],
    ['You must give **30 days** notice\\. See [the policy](https://x.example/p).', 'You must give 30 days notice. See the policy.'],
    ['<a name="notice"></a>Notice is counted in __calendar__ days<br/>.', 'Notice is counted in calendar days.'],
    ['Set `notice_period` to *30* [1].', 'Set notice_period to 30 [1].'],
    ['| Item | Default |\n|---|---|\n| Maximum size | 50 MB |', 'Item · Default\nMaximum size · 50 MB'],
    ['- first\n* [x] second\n> quoted', '• first\n• second\nquoted'],
    ['```ts\nconst x = 1;\n```', 'const x = 1;'],
    ['AT&amp;T \\(US\\) &lt;b&gt;', 'AT&T (US) <b>'],
  ])('%j reads as %j', (input, expected) => {
    expect(kbText.cleanText(input)).toBe(expected);
  });

  it('leaves what is not markup alone', () => {
    for (const text of ['snake_case_name and 2 * 3 * 4', 'a < b and c > d', 'Costs rose 5% - then fell', 'x_1 = y_2']) {
      expect(kbText.cleanText(text)).toBe(text);
    }
  });

  it('is the only way text reaches the page: the script never parses HTML', () => {
    expect(PAGE_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  });
});
