/** The kinds of identifier redaction replaces, as they appear in placeholders: <EMAIL_1>, <PHONE_2>, <IBAN_1>. */
export type PiiType = 'EMAIL' | 'PHONE' | 'CARD' | 'IP' | 'IBAN' | 'SSN';

export const PII_TYPES: readonly PiiType[] = ['EMAIL', 'PHONE', 'CARD', 'IP', 'IBAN', 'SSN'];

/** Matches every placeholder a redaction session can write; group 1 is the type, group 2 the number. */
export const PLACEHOLDER = /<(EMAIL|PHONE|CARD|IP|IBAN|SSN)_(\d{1,6})>/g;

/** The longest placeholder a session writes (<PHONE_999999>): a streamed tail longer than this is not one. */
export const MAX_PLACEHOLDER_CHARS = '<PHONE_999999>'.length;

export function placeholder(type: PiiType, n: number): string {
  return `<${type}_${n}>`;
}
