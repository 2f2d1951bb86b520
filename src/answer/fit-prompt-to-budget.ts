import { UsageError } from '../errors.js';
import type { CountTokensFn } from '../models/chat-model.js';
import type { GroundedPrompt } from './build-grounded-prompt.js';

export interface FitPromptOptions {
  /** Builds the prompt for a context window (the packer's budgets are chars/4 estimates within it). */
  build: (contextTokens: number) => GroundedPrompt;
  contextTokens: number;
  maxOutputTokens: number;
  /** The provider's count; without it the estimate stands. */
  countTokens?: CountTokensFn;
  signal?: AbortSignal;
  /** Estimated share of the input budget from which the provider is asked (default 0.5: chars/4 undercounts code, numbers and non-Latin text up to about 2x). */
  nearShare?: number;
}

export interface FittedPrompt {
  prompt: GroundedPrompt;
  /** The provider's count of the prompt returned, when it was asked. */
  countedTokens?: number;
  /** CountTokens calls made. */
  counts: number;
}

const MAX_COUNTS = 4;
/** Headroom kept when shrinking, as a share of the input budget: tokens are not spread evenly over the prompt. */
const MARGIN = 0.02;

/**
 * Packs a prompt to the model's real input budget (contextTokens - maxOutputTokens). A prompt whose estimate is
 * near the budget is counted by the provider; one over it is rebuilt smaller by the overshoot (in estimate units),
 * one under it with sources left out is rebuilt larger by the room left, each counted again, and the largest
 * counted prompt that fits is returned. A UsageError when not even the question fits.
 */
export async function fitPromptToBudget({ build, contextTokens, maxOutputTokens, countTokens, signal, nearShare = 0.5 }: FitPromptOptions): Promise<FittedPrompt> {
  const budget = contextTokens - maxOutputTokens;
  let window = contextTokens;
  let prompt = build(window);
  if (!countTokens || prompt.estimatedInputTokens < nearShare * budget) return { prompt, counts: 0 };
  let best: { prompt: GroundedPrompt; countedTokens: number } | undefined;
  let counts = 0;
  while (counts < MAX_COUNTS) {
    const counted = await countTokens({ system: prompt.system, messages: prompt.messages }, signal);
    counts++;
    const perEstimated = counted / Math.max(1, prompt.estimatedInputTokens);
    // The packer fills a window to about maxOutputTokens + the prompt's estimate, so the next window is the
    // estimate this prompt should have had: its own, moved by the counted room (or overshoot) in estimate units.
    if (counted <= budget) {
      best = { prompt, countedTokens: counted };
      const room = Math.floor((budget - counted) / perEstimated);
      if (prompt.droppedSources.length === 0 || room < 1) break;
      window = maxOutputTokens + prompt.estimatedInputTokens + room;
    } else {
      if (best) break; // grown past the budget: the last prompt that fitted stands
      const over = Math.ceil((counted - budget) / perEstimated) + Math.ceil((budget * MARGIN) / perEstimated);
      window = Math.min(window - 1, maxOutputTokens + prompt.estimatedInputTokens - over);
    }
    const next = build(window);
    if (next.estimatedInputTokens === prompt.estimatedInputTokens && next.packedSources.length === prompt.packedSources.length) break;
    prompt = next;
  }
  if (!best) {
    throw new UsageError(`The prompt does not fit the model's ${contextTokens}-token context with maxTokens ${maxOutputTokens}, even with fewer sources. Shorten the question or history, or lower answer.maxTokens.`);
  }
  return { ...best, counts };
}
