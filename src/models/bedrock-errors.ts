import { isAbortError, KbError, ModelCallError, type ModelFailureReason } from '../errors.js';
import { APPLICATION_PROFILE_ARN, closestModelIds, isOfferedIn, type ModelKind, profilesForRegion, resolveModelId } from './model-catalog.js';

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
  cause?: { code?: string };
}

export interface BedrockCallContext {
  modelId: string;
  region?: string;
  /** KB_BEDROCK_ENDPOINT when set: named when it cannot be reached. */
  endpoint?: string;
  kind?: ModelKind;
}

const THROTTLES = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceQuotaExceededException']);
const UNAVAILABLE = new Set(['ServiceUnavailableException', 'ModelNotReadyException', 'InternalServerException', 'InternalFailure']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'ExpiredTokenException', 'MissingAuthenticationTokenException']);
const NETWORK_CODES = new Set(['ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_GOAWAY_SESSION']);

/** Retryable and fatal, per reason: what a later attempt, or a later call of the same run, can expect. */
const POLICY: Record<ModelFailureReason, { isRetryable: boolean; isFatal: boolean }> = {
  throttled: { isRetryable: true, isFatal: false },
  unavailable: { isRetryable: true, isFatal: false },
  timeout: { isRetryable: true, isFatal: false },
  network: { isRetryable: true, isFatal: true },
  'access-denied': { isRetryable: false, isFatal: true },
  'unknown-model': { isRetryable: false, isFatal: true },
  auth: { isRetryable: false, isFatal: true },
  validation: { isRetryable: false, isFatal: false },
};

/**
 * Wraps an AWS SDK error once, at the edge, into a ModelCallError with a reason and a message that says what
 * to do. Abort errors and our own errors pass through untouched.
 */
export function toModelCallError(error: unknown, ctx: BedrockCallContext): unknown {
  if (isAbortError(error) || error instanceof KbError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const said = sentence(e.message ?? name);
  const where = `model ${ctx.modelId}${ctx.region ? ` in region ${ctx.region}` : ''}`;
  const make = (reason: ModelFailureReason, message: string, extra: { retryAfterMs?: number } = {}) =>
    new ModelCallError(message, { modelId: ctx.modelId, reason, ...POLICY[reason], serviceCode: name, cause: error, ...(status !== undefined ? { statusCode: status } : {}), ...extra });

  if (name === 'CredentialsProviderError' || (/Could not load credentials|credential/i.test(e.message ?? '') && !status)) {
    return make('auth', `No AWS credentials found for Bedrock (${said}). Configure a profile (aws configure / aws sso login), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set AWS_BEARER_TOKEN_BEDROCK to a Bedrock API key.`);
  }
  if (BAD_CREDENTIALS.has(name) || (name === 'AccessDeniedException' && /authorization|signature|credential|token|not authorized to perform/i.test(e.message ?? ''))) {
    return make('auth', `Bedrock refused the request's credentials for ${where} (${name}: ${said}). Refresh them (e.g. aws sso login) or the Bedrock API key, and check that your IAM policy allows bedrock:InvokeModel.`);
  }
  const unknown = unknownModel(ctx);
  if (unknown && (name === 'AccessDeniedException' || name === 'ResourceNotFoundException' || (name === 'ValidationException' && /model identifier|model id/i.test(e.message ?? '')))) {
    return make('unknown-model', unknown);
  }
  if (name === 'AccessDeniedException') {
    return make('access-denied', `Access denied to ${where}: ${said} Enable model access in the Bedrock console for ${ctx.modelId}${ctx.region ? ` in ${ctx.region}` : ''} (Model access, then Modify model access), and check that your IAM policy allows bedrock:InvokeModel.`);
  }
  if (name === 'ResourceNotFoundException') return make('unknown-model', `${where} was not found: ${said} Check the model id or inference profile and the region.`);
  if (name === 'ValidationException') return make('validation', `Bedrock rejected the request to ${where}: ${said}`);
  if (name === 'ModelTimeoutException') return make('timeout', `${where} took too long to answer (${said}); retry later.`);
  // ModelNotReadyException comes with 429 but means "not loaded yet", not "slow down".
  if (UNAVAILABLE.has(name)) return make('unavailable', `Bedrock is unavailable for ${where} (${name}: ${said}); retry later.`);
  if (THROTTLES.has(name) || status === 429) {
    const retryAfter = Number(e.$response?.headers?.['retry-after']);
    return make('throttled', `Bedrock is throttling ${where} (${said}); the request can be retried later.`, Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {});
  }
  if (status !== undefined && status >= 500) return make('unavailable', `Bedrock is unavailable for ${where} (${name}: ${said}); retry later.`);
  const code = e.code ?? e.cause?.code;
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return make('timeout', `Bedrock did not answer in time for ${where} (bedrock.requestTimeoutMs, KB_BEDROCK_TIMEOUT_MS); retry later.`);
  // NodeHttp2Handler reports a refused connection as "The pending stream has been canceled" (its session died).
  if ((code && NETWORK_CODES.has(code)) || /pending stream has been canceled|socket hang up|session.*(closed|destroyed)/i.test(e.message ?? '')) {
    const target = ctx.endpoint ? `the endpoint ${ctx.endpoint} (KB_BEDROCK_ENDPOINT)` : `Bedrock in ${ctx.region ?? 'the configured region'}`;
    return make('network', `Cannot reach ${target} for ${where} (${code ?? said.replace(/\.$/, '')}). Check ${ctx.endpoint ? 'that the endpoint is running and KB_BEDROCK_ENDPOINT is right' : 'the network and AWS_REGION'}.`);
  }
  return make('validation', `Bedrock call to ${where} failed: ${name}: ${said}`);
}

/** "unknown model" text when the catalogue does not offer the id in the region; undefined when it does (or cannot tell). */
export function unknownModel(ctx: BedrockCallContext): string | undefined {
  if (APPLICATION_PROFILE_ARN.test(ctx.modelId)) return undefined;
  const resolved = resolveModelId(ctx.modelId);
  if (resolved && (!ctx.region || isOfferedIn(resolved, ctx.region))) return undefined;
  const near = closestModelIds(ctx.modelId, ctx.kind ? { kind: ctx.kind } : {});
  const where = ctx.region ? ` in ${ctx.region}` : '';
  const profile = resolved && ctx.region ? profilesForRegion(ctx.region).find((p) => resolved.model.profiles.includes(p)) : undefined;
  const reason = resolved
    ? `is not offered${where}${profile ? `; use the inference profile ${profile}.${resolved.model.id}` : '; pick another region or model'}`
    : `is an unknown model${where}`;
  return `${ctx.modelId} ${reason}. Closest known models: ${near.join(', ')}. \`kb models\` lists what the catalogue and your account offer.`;
}

/** A service message as a sentence ending in exactly one period. */
function sentence(message: string): string {
  const trimmed = message.trim().replace(/\.+$/, '');
  return `${trimmed}.`;
}
