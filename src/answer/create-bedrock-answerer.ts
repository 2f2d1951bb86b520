import type { LoadedConfig } from '../config.js';
import { createBedrockChatModel } from '../models/bedrock-chat.js';
import { createBedrockInputGuard } from '../models/bedrock-input-guard.js';
import { createRedactionSession } from '../pii/redaction-session.js';
import { withPiiRedaction } from '../pii/redacting-chat-model.js';
import type { Answerer } from './answerer.js';
import { createLlmAnswerer } from './llm-answerer.js';

/**
 * Claude, Nova or another Converse model on Bedrock, streaming, behind the Answerer seam; PII redacted when
 * configured (also in CountTokens and the guardrail's input check); with answer.guardrail.checkInput, questions
 * are screened first.
 */
export function createBedrockAnswerer(config: LoadedConfig): Answerer {
  const bedrock = createBedrockChatModel({ config });
  const model = config.answer.redactPii ? withPiiRedaction(bedrock) : bedrock;
  const answerer = createLlmAnswerer({ chat: model.chat, config, modelId: model.modelId, ...(model.countTokens ? { countTokens: model.countTokens } : {}) });
  const guard = createBedrockInputGuard({ config });
  if (!guard) return answerer;
  const checkInput: typeof guard = config.answer.redactPii ? async (question, signal) => guard(await createRedactionSession().redact(question), signal) : guard;
  return { ...answerer, checkInput };
}
