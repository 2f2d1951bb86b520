import { createRedactionSession } from './redaction-session.js';

/** `text` with the identifiers findPii finds replaced by typed placeholders (<EMAIL_1>, <IBAN_1>). */
export async function redactPii(text: string): Promise<string> {
  return createRedactionSession().redact(text);
}
