import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { findPii } from '../src/pii/find-pii.js';
import { createRedactionSession } from '../src/pii/redaction-session.js';
import { parseLabelledPii, scorePii } from '../src/pii/score-pii.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { tempDir } from './temp-dir.js';

useFakeAwsCredentials();

const EMAIL = 'jane.doe@example.com';
const PHONE = '+1 (555) 123-4567';
const CARD = '4111 1111 1111 1111';
const IP = '203.0.113.7';
const SECRETS = [EMAIL, PHONE, CARD, IP, '4111111111111111', 'jane.doe', '123-4567'];

describe('redaction session', () => {
  test('replaces each identifier by a typed placeholder, the same one for the same value, and restores them', async () => {
    const session = createRedactionSession();
    const a = await session.redact(`Write to ${EMAIL} or call ${PHONE}.`);
    const b = await session.redact(`Card ${CARD} from ${IP}; again ${EMAIL}.`);
    expect(a).toBe('Write to <EMAIL_1> or call <PHONE_1>.');
    expect(b).toBe('Card <CARD_1> from <IP_1>; again <EMAIL_1>.');
    expect(session.restore('Mail <EMAIL_1>, not <EMAIL_2> or <IP_9>; card <CARD_1>.')).toBe(`Mail ${EMAIL}, not <EMAIL_2> or <IP_9>; card ${CARD}.`);
    expect(session.counts()).toEqual({ EMAIL: 1, PHONE: 1, CARD: 1, IP: 1, IBAN: 0, SSN: 0 });
  });

  test('IBANs (check digits verified) and dashed US SSNs, which the library lacks or reads as phone numbers', async () => {
    const session = createRedactionSession();
    expect(await session.redact('Pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432, not GB82 WEST 1234 5698 7654 33.')).toBe(
      'Pay <IBAN_1> or <IBAN_2>, not GB82 WEST 1234 5698 7654 33.',
    );
    expect(await session.redact('SSN 078-05-1120; part 123-45-67890.')).toBe('SSN <SSN_1>; part 123-45-67890.');
    expect(session.restore('<IBAN_1> <SSN_1>')).toBe('DE89 3704 0044 0532 0130 00 078-05-1120');
  });

  test('a streamed placeholder split at any point is restored whole, and text is never held back for good', async () => {
    const session = createRedactionSession();
    await session.redact(`${EMAIL} ${PHONE}`);
    const reply = 'Write to <EMAIL_1> [1] or <PHONE_1>. A < sign, <EM and <b> stay.';
    const expected = `Write to ${EMAIL} [1] or ${PHONE}. A < sign, <EM and <b> stay.`;
    for (let i = 1; i < reply.length; i++) {
      for (let j = i; j < reply.length; j++) {
        const stream = session.streamRestorer();
        const out = [reply.slice(0, i), reply.slice(i, j), reply.slice(j)].map((p) => stream.push(p)).join('') + stream.end();
        expect(out, `split at ${i},${j}`).toBe(expected);
        if (!out.includes('<EMAIL_') && !out.includes('<PHONE_')) continue;
        throw new Error(`placeholder leaked at ${i},${j}: ${out}`);
      }
    }
  });

  test('long text is read in pieces without cutting an identifier at a piece boundary', async () => {
    for (let pad = 4060; pad < 4100; pad += 3) {
      const text = `${'w '.repeat(pad / 2)}call ${PHONE} or card ${CARD} today`;
      const redacted = await createRedactionSession().redact(text);
      expect(redacted, `pad ${pad}`).toMatch(/call <PHONE_1> or card <CARD_1> today$/);
    }
    const many = `${EMAIL} ${IP} `.repeat(4000);
    const session = createRedactionSession();
    const redacted = await session.redact(many);
    expect(redacted).toBe('<EMAIL_1> <IP_1> '.repeat(4000));
    expect(session.restore(redacted)).toBe(many);
  });

  test('hostile text: no crash, no hang, placeholders already in the text stay as they are', async () => {
    const session = createRedactionSession();
    const text = `${'@'.repeat(5000)} <EMAIL_1> ${'1 '.repeat(3000)}\u0000<<<<`;
    const redacted = await session.redact(text);
    expect(session.restore(redacted)).toBe(text);
  });
});

describe('labelled set (test/fixtures/pii-labelled.txt)', () => {
  test('precision and recall per type and overall; the additions to @arcjet/redact matter', async () => {
    const lines = parseLabelledPii(readFileSync(resolve(import.meta.dirname, 'fixtures/pii-labelled.txt'), 'utf8'));
    expect(lines.length).toBeGreaterThanOrEqual(60);
    expect(lines.filter((l) => l.spans.length === 0).length).toBeGreaterThanOrEqual(25);
    const score = async (additions: boolean) => {
      const rows = [];
      for (const line of lines) rows.push({ gold: line.spans, found: await findPii(line.text, { additions }) });
      return scorePii(rows);
    };
    const ours = await score(true);
    const alone = await score(false);
    expect(ours.ALL.precision).toBeGreaterThanOrEqual(0.97);
    expect(ours.ALL.recall).toBeGreaterThanOrEqual(0.95);
    for (const type of ['EMAIL', 'CARD', 'IP', 'IBAN', 'SSN'] as const) expect(ours[type].recall, type).toBe(1);
    expect(ours.ALL.recall).toBeGreaterThan(alone.ALL.recall);
    expect(ours.IP.precision).toBeGreaterThan(alone.IP.precision);
  });
});

describe('answer.redactPii over the real SDK and the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, streamDelayMs: 1 });
  });
  afterAll(() => emulator?.close());
  beforeEach(() => emulator.reset());

  function makeKb(): string {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'docs'));
    writeFileSync(
      join(cwd, 'docs', 'access.md'),
      `# Access requests\n\nFor access requests write to ${EMAIL}, call ${PHONE}, pay the badge fee with card ${CARD} and connect from ${IP}.\n\nBadges are collected at reception on Mondays.\n`,
    );
    return cwd;
  }

  async function kb(args: string[], cwd: string, env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => ((stdout += s), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
      env: { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_BEDROCK_MAX_BACKOFF_MS: '100', ...env },
      cwd,
    });
    return { code, stdout, stderr };
  }

  const bodies = (route: string) => emulator.requests.filter((r) => r.route.startsWith(route)).map((r) => JSON.stringify(r.body));
  const REDACT = { KB_REDACT_PII: 'true' };

  test('without redaction the identifiers do reach "Bedrock": what the next test rules out', async () => {
    const cwd = makeKb();
    expect((await kb(['index', 'docs'], cwd)).code).toBe(0);
    expect(bodies('invoke').join('\n')).toContain(EMAIL);
    const plain = await kb(['ask', 'Who do I write to for access requests?', '--json'], cwd);
    expect(plain.code, plain.stderr).toBe(0);
    expect(bodies('converse').join('\n')).toContain(EMAIL);
  });

  test('no identifier from the source or the question reaches the model (embeddings and chat); the answer shows the originals', async () => {
    const cwd = makeKb();
    expect((await kb(['index', 'docs'], cwd, REDACT)).code).toBe(0);
    const embedded = bodies('invoke');
    expect(embedded.length).toBeGreaterThan(0);
    expect(embedded.join('\n')).toMatch(/<EMAIL>.*<PHONE>.*<CARD>.*<IP>/);

    const question = `Who do I write to for access requests? I am on ${IP}, my email is ${EMAIL}.`;
    const asked = await kb(['ask', question, '--json'], cwd, REDACT);
    expect(asked.code, asked.stderr).toBe(0);
    const chat = bodies('converse');
    expect(chat.length).toBeGreaterThan(0);
    expect(chat.join('\n')).toMatch(/<EMAIL_1>.*<PHONE_1>.*<CARD_1>.*<IP_1>/);
    const answer = JSON.parse(asked.stdout) as { answer: string; found: boolean; citations: unknown[] };
    expect(answer.found).toBe(true);
    expect(answer.answer).toContain(EMAIL);
    expect(answer.answer).toContain(PHONE);
    expect(answer.answer).not.toMatch(/<(EMAIL|PHONE|CARD|IP)_\d+>/);
    expect(answer.citations.length).toBeGreaterThan(0);

    // The streamed terminal answer is restored too, whatever the chunking of the stream.
    const streamed = await kb(['ask', 'Who do I write to for access requests?'], cwd, REDACT);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toContain(EMAIL);
    expect(streamed.stdout).not.toMatch(/<(EMAIL|PHONE|CARD|IP)_\d+>/);

    // Everything the emulator received in this test: indexing, question embeddings, answers.
    const received = emulator.requests.map((r) => JSON.stringify(r.body));
    for (const body of received) for (const secret of SECRETS) expect(body, secret).not.toContain(secret);
  });

  test('KB_REDACT_PII must be true or false', () => {
    expect(loadConfig({ cwd: tempDir(), env: { KB_REDACT_PII: 'true' } }).answer.redactPii).toBe(true);
    expect(loadConfig({ cwd: tempDir(), env: {} }).answer.redactPii).toBe(false);
    expect(() => loadConfig({ cwd: tempDir(), env: { KB_REDACT_PII: 'yes' } })).toThrow(/answer\.redactPii.*KB_REDACT_PII/);
  });
});
