import type { LoadedConfig } from '../config.js';
import { createBedrockChatModel } from '../models/bedrock-chat.js';
import type { Answerer } from './answerer.js';
import { createLlmAnswerer } from './llm-answerer.js';

/** Claude, Nova or another Converse model on Bedrock, streaming, behind the Answerer seam. */
export function createBedrockAnswerer(config: LoadedConfig): Answerer {
  const model = createBedrockChatModel({ config });
  return createLlmAnswerer({ chat: model.chat, config, modelId: model.modelId, ...(model.countTokens ? { countTokens: model.countTokens } : {}) });
}
