import { answerQuestion, type AnsweredQuestion } from '../../answer/answer-question.js';
import type { Answerer } from '../../answer/answerer.js';
import type { AnswerQuestionFn } from '../../answer/with-answer-cache.js';
import type { ChatTurn } from '../../types.js';
import type { CliContext } from '../cli-context.js';
import { escapeTerminal } from '../escape-terminal.js';
import { formatLocation, oneLine } from '../format-source.js';
import type { KnowledgeBase } from '../../app/open-knowledge-base.js';
import { filtersFrom } from '../open-kb.js';

export interface AskTurnInput {
  kb: KnowledgeBase;
  answerer: Answerer;
  question: string;
  history: ChatTurn[];
  options: Record<string, unknown>;
  ctx: CliContext;
  /** answerQuestion, or it behind the answer cache (createCachedAsk). */
  ask?: AnswerQuestionFn;
}

/**
 * One question answered and printed: the text streams as it comes, then the sources and any model tokens;
 * with --json, the whole result as one JSON document (pretty unless `compact`, one line per answer for kb chat).
 */
export async function askTurn({ kb, answerer, question, history, options, ctx, ask = answerQuestion }: AskTurnInput, { compact = false } = {}): Promise<AnsweredQuestion> {
  const filters = filtersFrom(options);
  let streamed = false;
  const result = await ask({
    question,
    retriever: kb.retriever,
    answerer,
    minCoverage: kb.config.retrieval.minCoverage,
    ...(history.length ? { history } : {}),
    ...(options.topK ? { topK: Number(options.topK) } : {}),
    ...(filters ? { filters } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onToken: options.json ? undefined : (t) => {
      streamed = true;
      ctx.stdout.write(escapeTerminal(t));
    },
  });
  if (options.json) {
    ctx.stdout.write(`${compact ? JSON.stringify(result) : JSON.stringify(result, null, 2)}\n`);
    return result;
  }
  if (!streamed) ctx.stdout.write(escapeTerminal(result.answer));
  ctx.stdout.write('\n');
  if (result.guardrail) ctx.stdout.write(`\nGuardrail intervened on the ${result.guardrail.source}: ${escapeTerminal(result.guardrail.reason)}\n`);
  if (result.citations.length) {
    ctx.stdout.write('\nSources:\n');
    for (const c of result.citations) {
      const mark = c.supported === false ? '  (not backed by this source’s text)' : '';
      ctx.stdout.write(`[${c.n}] ${formatLocation(c)}${mark}\n    “${oneLine(c.snippet, 200)}”\n`);
    }
  }
  const u = result.usage;
  if (result.cached) ctx.stdout.write(`\nFrom the answer cache: no model call, $0.\n`);
  else if (u.inputTokens || u.outputTokens) {
    ctx.stdout.write(`\n${result.model}: ${u.inputTokens} input + ${u.outputTokens} output tokens${result.cost ? `, about $${result.cost.usd.toFixed(5)}` : ''}\n`);
  }
  return result;
}
