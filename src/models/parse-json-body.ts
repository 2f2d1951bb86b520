/** A model response body as JSON, or undefined when it is not JSON (the caller's schema check reports it). */
export function parseJsonBody(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
