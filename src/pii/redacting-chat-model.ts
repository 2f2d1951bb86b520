import type { ChatModel, ChatRequest } from '../models/chat-model.js';
import { createRedactionSession } from './redaction-session.js';

/**
 * A ChatModel that never sends the identifiers findPii finds (emails, phones, cards, IPs, IBANs, SSNs) to
 * `model`: the system prompt and every turn are redacted to typed placeholders (<EMAIL_1>) for each call, and the
 * placeholders in the reply (final text and streamed pieces) are restored to the originals, so only the caller
 * sees them.
 */
export function withPiiRedaction(model: ChatModel): ChatModel {
  return {
    modelId: model.modelId,
    async chat(request: ChatRequest) {
      const session = createRedactionSession();
      const system = await session.redact(request.system);
      const messages = [];
      // One at a time, so placeholders are numbered in reading order.
      for (const turn of request.messages) messages.push({ ...turn, content: await session.redact(turn.content) });
      const { onToken } = request;
      const stream = session.streamRestorer();
      const reply = await model.chat({
        ...request,
        system,
        messages,
        ...(onToken ? { onToken: (piece: string) => { const out = stream.push(piece); if (out) onToken(out); } } : {}),
      });
      const tail = stream.end();
      if (tail && onToken) onToken(tail);
      return { ...reply, text: session.restore(reply.text) };
    },
    // The count is of the redacted prompt, the one chat sends; the originals never reach CountTokens either.
    ...(model.countTokens
      ? {
          countTokens: async (prompt, signal) => {
            const session = createRedactionSession();
            const system = await session.redact(prompt.system);
            const messages = [];
            for (const turn of prompt.messages) messages.push({ ...turn, content: await session.redact(turn.content) });
            return model.countTokens!({ system, messages }, signal);
          },
        }
      : {}),
  };
}
