import { createRedactionSession } from './redaction-session.js';

/** `text` with emails, phone numbers, card numbers and IP addresses replaced by typed placeholders (<EMAIL_1>). */
export async function redactPii(text: string): Promise<string> {
  return createRedactionSession().redact(text);
}
