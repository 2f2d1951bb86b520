import { accessDenied, ServiceError } from '../emulator/service-error.js';
import { checkAuthorization, type ReceivedRequest } from '../emulator/sigv4-check.js';
import { ANONYMOUS_PRINCIPAL, type ScopedPrincipal } from '../collections/scope.js';

/** What the API needs of the server's keys. */
export interface KbApiKeys {
  /** No keys configured: auth is off, any well-formed signature passes and the caller may read everything. */
  enabled: boolean;
  /** The secret access key for an access key id: the API key whose id (name) it is; undefined when unknown or revoked. */
  secretFor(accessKeyId: string): string | undefined;
  /** The principal of a key id, by the same lookup. */
  principalFor(accessKeyId: string): ScopedPrincipal | undefined;
  /** A Bearer API key (for curl and scripts); undefined when not valid. */
  bearer(token: string): ScopedPrincipal | undefined;
}

/**
 * Who signed a request, or the error the service answers: SigV4 verified in full against the key (service
 * `bedrock`, 15-minute clock skew, host and x-amz-date signed), as src/emulator/sigv4-check.ts does.
 */
export async function authenticateRequest(request: ReceivedRequest, keys: KbApiKeys): Promise<ScopedPrincipal> {
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer (\S+)$/.exec(authorization)?.[1] : undefined;
  if (bearer && keys.enabled) {
    const principal = keys.bearer(bearer);
    if (!principal) throw new ServiceError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
    return principal;
  }
  if (!keys.enabled) {
    await checkAuthorization(request);
    return ANONYMOUS_PRINCIPAL;
  }
  if (bearer === undefined && !authorization) throw accessDenied('Authorization header is missing');
  await checkAuthorization(request, { secretFor: (id) => keys.secretFor(id) });
  const accessKeyId = /Credential=([^/,\s]+)/.exec(String(authorization))![1]!;
  const principal = keys.principalFor(accessKeyId);
  // Revoked between the two lookups.
  if (!principal) throw new ServiceError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
  return principal;
}
