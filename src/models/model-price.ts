import type { KbConfig } from '../config.js';
import { APPLICATION_PROFILE_ARN, type ModelPrice, resolveModelId } from './model-catalog.js';

/**
 * What a model costs: kb.config.json `prices` first (by the id as configured, then the catalogue id), else the
 * catalogue. An application inference profile costs what the model it copies costs, when
 * `bedrock.applicationProfiles` says which; undefined when nothing is known.
 */
export function modelPrice(config: Pick<KbConfig, 'prices'> & { bedrock?: Pick<KbConfig['bedrock'], 'applicationProfiles'> }, modelId: string): ModelPrice | undefined {
  const copied = APPLICATION_PROFILE_ARN.test(modelId) ? config.bedrock?.applicationProfiles?.[modelId] : undefined;
  const resolved = resolveModelId(copied ?? modelId);
  return config.prices[modelId] ?? (resolved ? (config.prices[resolved.model.id] ?? resolved.model.price) : undefined);
}

/** USD for a call's tokens at a price; cache tokens at their own rates when the model has them. */
export function costOf(price: ModelPrice, usage: { inputTokens: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number }): number {
  return (
    (usage.inputTokens / 1000) * price.inputPer1k +
    ((usage.outputTokens ?? 0) / 1000) * price.outputPer1k +
    ((usage.cacheReadTokens ?? 0) / 1000) * (price.cacheReadPer1k ?? price.inputPer1k) +
    ((usage.cacheWriteTokens ?? 0) / 1000) * (price.cacheWritePer1k ?? price.inputPer1k)
  );
}
