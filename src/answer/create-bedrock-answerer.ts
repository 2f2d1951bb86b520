import type { LoadedConfig } from '../config.js';
import { createBedrockChatModel } from '../models/bedrock-chat.js';
import { withPiiRedaction } from '../pii/redacting-chat-model.js';
import type { Answerer } from './answerer.js';
import { createLlmAnswerer } from './llm-answerer.js';

/** Claude, Nova or another Converse model on Bedrock, streaming, behind the Answerer seam; PII redacted when configured. */
export function createBedrockAnswerer(config: LoadedConfig): Answerer {
  const bedrock = createBedrockChatModel({ config });
  const model = config.answer.redactPii ? withPiiRedaction(bedrock) : bedrock;
  return createLlmAnswerer({ chat: model.chat, config, modelId: model.modelId });
}
