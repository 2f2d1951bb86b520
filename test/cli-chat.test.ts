import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedKb, type KbFixture } from './server-fixture.js';
import { tempDir } from './temp-dir.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');
const FIRST = 'How long is the notice period?';
const FOLLOW_UP = 'And for contractors?';
const NOTICE_DOC = 'data/hr/notice-periods-and-resignation.md';

interface Answer {
  query: string;
  answer: string;
  citations: Array<{ path: string }>;
}

let kb: KbFixture;
beforeAll(async () => {
  kb = await indexedKb();
});
afterAll(() => kb?.close());

type Feed = (stdin: NodeJS.WritableStream, io: { until: (pattern: RegExp) => Promise<void>; stdout: () => string }) => void | Promise<void>;

/** `kb ...` as a real process; `feed` writes its stdin (and must end it), waiting on its stdout with `until`. */
async function runKb(args: string[], cwd: string, feed: Feed = (stdin) => void stdin.end()) {
  const child = spawn(process.execPath, [BIN, ...args, '--kb-dir', kb.kbDir], { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let closed = false;
  const exited = new Promise<number | null>((done) => child.on('close', (code) => {
    closed = true;
    for (const w of waiters.splice(0)) w();
    done(code);
  }));
  // Resolves once stdout matches: the test waits on what the process printed, not on a clock.
  const until = (pattern: RegExp) => new Promise<void>((done, fail) => {
    const check = () => {
      if (pattern.test(stdout)) done();
      else if (closed) fail(new Error(`kb ${args.join(' ')} exited before printing ${pattern}: ${stderr}`));
      else waiters.push(check);
    };
    check();
  });
  await feed(child.stdin, { until, stdout: () => stdout });
  return { code: await exited, stdout, stderr };
}

const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Answer);

describe('follow-up questions from the terminal', () => {
  it('kb ask --history creates the file, and the next question is searched with the earlier turn', async () => {
    const dir = tempDir();
    const first = await runKb(['ask', FIRST, '--history', 'talk.json', '--json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as Answer).query).toBe(FIRST);
    const afterFirst = JSON.parse(readFileSync(join(dir, 'talk.json'), 'utf8')) as Array<{ role: string; content: string }>;
    expect(afterFirst.map((t) => t.role)).toEqual(['user', 'assistant']);
    expect(afterFirst[0]!.content).toBe(FIRST);
    expect(afterFirst[1]!.content).toMatch(/30 days/);

    const second = await runKb(['ask', FOLLOW_UP, '--history', 'talk.json', '--json'], dir);
    expect(second.code, second.stderr).toBe(0);
    const answer = JSON.parse(second.stdout) as Answer;
    // The offline rewrite adds the earlier question's words: "And for contractors? long notice period".
    expect(answer.query).toMatch(/^And for contractors\? .*notice/);
    expect(answer.citations[0]?.path).toBe(NOTICE_DOC);
    const afterSecond = JSON.parse(readFileSync(join(dir, 'talk.json'), 'utf8')) as Array<{ role: string; content: string }>;
    expect(afterSecond.map((t) => t.content.slice(0, 20))).toEqual([FIRST.slice(0, 20), afterFirst[1]!.content.slice(0, 20), FOLLOW_UP, answer.answer.slice(0, 20)]);

    // Without the file the same words are searched alone.
    const alone = await runKb(['ask', FOLLOW_UP, '--json'], dir);
    expect((JSON.parse(alone.stdout) as Answer).query).toBe(FOLLOW_UP);
  });

  it('kb ask --history refuses a file that is not a conversation, naming it, and leaves it alone', async () => {
    const dir = tempDir();
    const file = join(dir, 'talk.json');
    for (const content of ['{"role": "user"', '[{"role": "bot", "content": "hi"}]']) {
      writeFileSync(file, content);
      const ran = await runKb(['ask', FIRST, '--history', 'talk.json'], dir);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toMatch(new RegExp(`--history ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*delete it to start a new conversation`, 'i'));
      expect(ran.stderr).not.toMatch(/^\s+at /m);
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
  });

  it('kb chat answers each line of a pipe as it arrives, with the earlier lines as history', async () => {
    const dir = tempDir();
    const ran = await runKb(['chat', '--json', '--history', 'chat.json'], dir, async (stdin, { until, stdout }) => {
      stdin.write(`${FIRST}\n\n`);
      // The second question goes in only after the first answer came out: a conversation, not a batch.
      await until(/\n/);
      expect(jsonLines(stdout())).toHaveLength(1);
      stdin.end(`${FOLLOW_UP}\n`);
    });
    expect(ran.code, ran.stderr).toBe(0);
    const answers = jsonLines(ran.stdout);
    expect(answers.map((a) => a.query.split('?')[0])).toEqual([FIRST.slice(0, -1), FOLLOW_UP.slice(0, -1)]);
    expect(answers[0]!.query).toBe(FIRST);
    expect(answers[1]!.query).toMatch(/^And for contractors\? .*notice/);
    expect(answers[1]!.citations[0]?.path).toBe(NOTICE_DOC);
    expect((JSON.parse(readFileSync(join(dir, 'chat.json'), 'utf8')) as unknown[]).length).toBe(4);
  });

  it('kb chat prints readable answers without a prompt when stdin is not a terminal', async () => {
    const dir = tempDir();
    const ran = await runKb(['chat'], dir, (stdin) => void stdin.end(`${FIRST}\n${FOLLOW_UP}\n`));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/30 days[\s\S]*Sources:\n\[1\] data\/hr\/notice-periods[\s\S]*Contractors follow the terms of their own contracts/);
    expect(ran.stdout).not.toMatch(/^\? /m);
    expect(existsSync(join(dir, 'chat.json'))).toBe(false);
  });
});
