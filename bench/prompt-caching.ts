// npm run bench:prompt-caching — tokens and cost per answer over a 20-question conversation through the emulator
// (real SDK, ConverseStream), with and without prompt caching, for two Claude models (cache minimums 2,048 and
// 1,024 tokens). The fixture's text-format questions are asked in turn, 20 in all; each question carries its expected document and two others as sources (read from data/, not
// retrieved, so the figure does not depend on the store); every answer joins the history of the next question.
// Token counts are the emulator's (1.3 per word), prices the catalogue's. Prints figures; asserts nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLlmAnswerer } from '../src/answer/llm-answerer.js';
import { configSchema, type KbConfig } from '../src/config.js';
import { startEmulator } from '../src/emulator/create-emulator.js';
import { createBedrockChatModel } from '../src/models/bedrock-chat.js';
import type { ChatTurn, Source } from '../src/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';

const root = join(import.meta.dirname, '..', '..');
// The fixture's text-format questions, asked in turn until there are 20.
const fixtures = (JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'questions.json'), 'utf8')) as Array<{ question: string; expectPath: string }>).filter((q) => /\.(md|txt)$/.test(q.expectPath));
const questions = Array.from({ length: 20 }, (_, i) => fixtures[i % fixtures.length]!);
const text = (path: string) => readFileSync(join(root, 'data', path), 'utf8').slice(0, 2500);
const others = ['hr/employee-handbook-overview.md', 'engineering/deployment-process.md'];

const emulator = await startEmulator({ port: 0, streamDelayMs: 0 });
try {
  for (const model of ['anthropic.claude-3-5-haiku-20241022-v1:0', 'us.anthropic.claude-sonnet-4-20250514-v1:0']) {
    for (const promptCaching of [false, true]) {
      emulator.reset();
      const base = configSchema.parse({ provider: 'bedrock' });
      const config: KbConfig = { ...base, answer: { ...base.answer, model, promptCaching }, bedrock: { ...base.bedrock, region: 'us-east-1', endpoint: emulator.url } };
      const chat = createBedrockChatModel({ config });
      const answerer = createLlmAnswerer({ chat: chat.chat, config, modelId: model });
      const history: ChatTurn[] = [];
      const sum = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, usd: 0 };
      for (const q of questions) {
        const sources: Source[] = [q.expectPath, ...others.filter((o) => o !== q.expectPath)].map((path, i) => ({ n: i + 1, chunkId: i + 1, documentId: i + 1, path, text: text(path), score: 1 / (i + 1) }));
        const r = await answerer.answer({ question: q.question, sources, history: [...history] });
        history.push({ role: 'user', content: q.question }, { role: 'assistant', content: r.answer });
        sum.input += r.usage.inputTokens;
        sum.cacheRead += r.usage.cacheReadTokens ?? 0;
        sum.cacheWrite += r.usage.cacheWriteTokens ?? 0;
        sum.output += r.usage.outputTokens;
        sum.usd += r.cost?.usd ?? 0;
      }
      const n = questions.length;
      const per = (x: number) => (x / n).toFixed(0);
      console.log(
        `${model.padEnd(46)} caching ${promptCaching ? 'on ' : 'off'}: per answer ${per(sum.input)} input + ${per(sum.cacheRead)} cache-read + ${per(sum.cacheWrite)} cache-write + ${per(sum.output)} output tokens, ` +
          `$${(sum.usd / n).toFixed(6)} (${n} answers, $${sum.usd.toFixed(5)} in all)`,
      );
    }
  }
} finally {
  await emulator.close();
}
