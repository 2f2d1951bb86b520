import { checkJsonBody } from './check-json-body.js';
import type { ChatTurn } from '../types.js';
import { validationError } from './service-error.js';

/** What the fake model needs from a Converse or Anthropic messages body. */
export interface ChatRequest {
  system: string;
  turns: ChatTurn[];
  maxTokens: number | undefined;
}

/** A Converse / ConverseStream body: `{ messages: [{ role, content: [{ text }] }], system?: [{ text }], inferenceConfig? }`. */
export function parseConverseBody(body: unknown): ChatRequest {
  const input = body as { messages?: unknown; system?: unknown; inferenceConfig?: { maxTokens?: unknown } } | null;
  if (!input || !Array.isArray(input.messages) || input.messages.length === 0) {
    throw validationError('The messages field is required and must contain at least one message.');
  }
  const turns = input.messages.map((m: { role?: unknown; content?: unknown }) => ({
    role: m.role === 'assistant' ? ('assistant' as const) : ('user' as const),
    content: blocksText(m.content),
  }));
  checkTurnOrder(turns);
  const maxTokens = input.inferenceConfig?.maxTokens;
  return { system: blocksText(input.system), turns, maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined };
}

/** An InvokeModel body for Claude in the Anthropic messages format (`anthropic_version: "bedrock-2023-05-31"`). */
export function parseAnthropicBody(body: unknown): ChatRequest {
  const input = checkJsonBody(body, {
    anthropic_version: { type: 'string', required: true },
    anthropic_beta: { type: 'array' },
    max_tokens: { type: 'integer', required: true },
    messages: { type: 'array', required: true, items: { type: 'object' } },
    system: { type: 'any' },
    temperature: { type: 'number' },
    top_p: { type: 'number' },
    top_k: { type: 'integer' },
    stop_sequences: { type: 'array' },
    tools: { type: 'array' },
    tool_choice: { type: 'object' },
    thinking: { type: 'object' },
    metadata: { type: 'object' },
  });
  const messages = input.messages as Array<{ role?: unknown; content?: unknown }>;
  if (messages.length === 0) throw validationError('messages: at least one message is required');
  const turns = messages.map((m) => ({
    role: m.role === 'assistant' ? ('assistant' as const) : ('user' as const),
    content: typeof m.content === 'string' ? m.content : blocksText(m.content),
  }));
  checkTurnOrder(turns);
  const system = typeof input.system === 'string' ? input.system : blocksText(input.system);
  return { system, turns, maxTokens: input.max_tokens as number };
}

/** Text of Converse (`{ text }`) and Anthropic (`{ type: 'text', text }`) content blocks; other blocks are skipped. */
function blocksText(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  return blocks
    .map((b: { text?: unknown; guardContent?: { text?: { text?: unknown } } }) => b.text ?? b.guardContent?.text?.text)
    .filter((t): t is string => typeof t === 'string')
    .join('\n');
}

function checkTurnOrder(turns: ChatTurn[]): void {
  if (turns[0]?.role !== 'user') {
    throw validationError('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  if (turns.some((t, i) => i > 0 && t.role === turns[i - 1]!.role)) {
    throw validationError(
      'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
    );
  }
}
