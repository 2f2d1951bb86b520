import type { CatalogModel } from '../models/model-catalog.js';
import { parseAnthropicBody, parseConverseBody, type ChatRequest } from './chat-request.js';
import { estimateTokens } from './estimate-tokens.js';
import { validationError } from './service-error.js';

/** The input tokens the emulated model bills for a prompt: what Converse and InvokeModel report as inputTokens. */
export function promptTokens(request: ChatRequest): number {
  return estimateTokens([request.system, ...request.turns.map((t) => t.content)].join('\n'));
}

/**
 * CountTokens (POST /model/{modelId}/count-tokens): `{ input: { converse: { messages, system? } } }` or
 * `{ input: { invokeModel: { body: base64 } } }` -> `{ inputTokens }`, the count Converse would report.
 */
export function countTokens(model: CatalogModel, body: unknown): { inputTokens: number } {
  if (!model.countTokens) throw validationError(`The provided model doesn't support counting tokens.`);
  const input = (body as { input?: { converse?: unknown; invokeModel?: { body?: unknown } } } | null)?.input;
  if (input?.converse && !input.invokeModel) return { inputTokens: promptTokens(parseConverseBody(input.converse)) };
  if (input?.invokeModel && !input.converse && typeof input.invokeModel.body === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(input.invokeModel.body, 'base64').toString('utf8'));
    } catch {
      throw validationError('input.invokeModel.body is not a JSON model request.');
    }
    return { inputTokens: promptTokens(parseAnthropicBody(parsed)) };
  }
  throw validationError('1 validation error detected: Value at \'input\' failed to satisfy constraint: exactly one of converse or invokeModel must be set');
}
