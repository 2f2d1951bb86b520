import { describe, expect, it } from 'vitest';
import { plainText } from '../src/answer/plain-text.js';
import { quotableUnits } from '../src/answer/quotable-units.js';
import { splitSentences } from '../src/answer/split-sentences.js';

const texts = (text: string, headings: string[] = []) => quotableUnits(text, headings).map((u) => u.text);

describe('splitSentences', () => {
  it('splits by the Unicode sentence rules, keeping abbreviations, numbers and emphasis whole', () => {
    expect(splitSentences('Dr. Smith measured 3.5 GB, e.g. on Monday. Is it ready? See *How tall is it?* Then go.')).toEqual([
      'Dr. Smith measured 3.5 GB, e.g. on Monday.',
      'Is it ready?',
      'See *How tall is it?*',
      'Then go.',
    ]);
  });
});

describe('plainText', () => {
  it('drops Markdown and HTML syntax and keeps the words', () => {
    expect(plainText('See [the guide](https://x.example/a) and **bold** or *it* `code` \\(note\\)\\. <a name="x"></a>A &amp; B')).toBe('See the guide and bold or it code (note). A & B');
    expect(plainText('** CrawlPersonalSpaces ** TRUE to index [[more details]](http://x)')).toBe('CrawlPersonalSpaces TRUE to index more details');
  });
});

describe('quotableUnits', () => {
  it('joins the wrapped lines of a paragraph and undoes hyphenation, so a line break ends no sentence', () => {
    expect(texts('The act limits the liability of online service pro-\nviders for copyright infringement by\ntheir users. A second sentence follows.')).toEqual([
      'The act limits the liability of online service providers for copyright infringement by their users.',
      'A second sentence follows.',
    ]);
  });

  it('leaves out headings, short title lines, code and table rules', () => {
    const text = '# Setup\n\nDAY 1\nJoin the welcome call on your first morning.\n\n```\nnpm install --global tool\n```\n\n{ "Key": "value" }\n\n| A | B |\n| --- | --- |';
    expect(texts(text)).toEqual(['Join the welcome call on your first morning.']);
    expect(texts('Remote Work Policy\n\nYou may work from home on any day.', ['Remote Work Policy'])).toEqual(['You may work from home on any day.']);
  });

  it('pairs each table row with the header row, and keeps a row the loader already paired whole', () => {
    const table = '| Data | Retention period |\n| --- | --- |\n| Application logs | 90 days |\n| [Guide](a.md) | [Index](b.md) |';
    expect(quotableUnits(table)).toMatchObject([{ text: 'Data: Application logs; Retention period: 90 days', kind: 'row', raw: '| Application logs | 90 days |' }]);
    expect(texts('Description: Maximum amount of text. You cannot add units.; Default: 3 GB; Edition: Developer')).toEqual(['Description: Maximum amount of text. You cannot add units.; Default: 3 GB; Edition: Developer']);
  });

  it('quotes list items without their bullets and drops reference marks', () => {
    expect(texts('- a charger and a USB-C hub with HDMI\n- two security keys for sign-in [3]')).toEqual(['a charger and a USB-C hub with HDMI', 'two security keys for sign-in']);
  });
});
