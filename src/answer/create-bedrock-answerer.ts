import type { LoadedConfig } from '../config.js';
import { createBedrockChatModel } from '../models/bedrock-chat.js';
import { createBedrockInputGuard } from '../models/bedrock-input-guard.js';
import type { Answerer } from './answerer.js';
import { createLlmAnswerer } from './llm-answerer.js';

/** Claude, Nova or another Converse model on Bedrock, streaming, behind the Answerer seam; with answer.guardrail.checkInput, questions are screened first. */
export function createBedrockAnswerer(config: LoadedConfig): Answerer {
  const model = createBedrockChatModel({ config });
  const answerer = createLlmAnswerer({ chat: model.chat, config, modelId: model.modelId, ...(model.countTokens ? { countTokens: model.countTokens } : {}) });
  const checkInput = createBedrockInputGuard({ config });
  return checkInput ? { ...answerer, checkInput } : answerer;
}
