import type { EmulatorRequest } from './dual-protocol-server.js';

/** What parseJson returns for a body that is not JSON (kept apart from any JSON value). */
export const NOT_JSON = Symbol('not JSON');

/** The model ARN a Rerank body names, for the stats, or "" when it names none. */
export function rerankModelOf(body: unknown): string {
  const arn = (body as { rerankingConfiguration?: { bedrockRerankingConfiguration?: { modelConfiguration?: { modelArn?: unknown } } } } | null)?.rerankingConfiguration?.bedrockRerankingConfiguration?.modelConfiguration?.modelArn;
  return typeof arn === 'string' ? arn : '';
}

export function parseJson(raw: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

/** The region a request was signed for (SigV4 credential scope), else the emulator's. */
export function regionOf(req: EmulatorRequest, fallback: string): string {
  const auth = req.headers.authorization;
  const scope = typeof auth === 'string' ? /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(auth) : null;
  return scope?.[1] ?? fallback;
}
