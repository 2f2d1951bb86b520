import type { LoadedConfig } from '../config.js';
import { createChatModel, streamChat } from '../models/bedrock-chat.js';
import type { Answerer } from './answerer.js';
import { createLlmAnswerer } from './llm-answerer.js';

/** Claude (or the configured Converse model) on Bedrock, streaming, behind the Answerer seam. */
export function createBedrockAnswerer(config: LoadedConfig): Answerer {
  const model = createChatModel({ config });
  return createLlmAnswerer({ chat: (request) => streamChat({ model, ...request }), config });
}
