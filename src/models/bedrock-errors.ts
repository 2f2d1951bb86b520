import { isAbortError, KbError, ModelCallError } from '../errors.js';

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  $response?: { headers?: Record<string, string> };
}

const THROTTLES = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceQuotaExceededException']);
const TRANSIENT = new Set(['ServiceUnavailableException', 'ModelNotReadyException', 'InternalServerException', 'ModelTimeoutException']);

/**
 * Wraps an AWS SDK error once, at the edge, into a ModelCallError whose message says what to do.
 * Abort errors and our own errors pass through untouched.
 */
export function toModelCallError(error: unknown, ctx: { modelId: string; region?: string }): unknown {
  if (isAbortError(error) || error instanceof KbError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const where = `model ${ctx.modelId}${ctx.region ? ` in region ${ctx.region}` : ''}`;
  const retryAfter = Number(e.$response?.headers?.['retry-after']);
  const base = { modelId: ctx.modelId, statusCode: status, cause: error, code: name };

  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(e.message ?? '') && !status) {
    return new ModelCallError(
      `No AWS credentials found for Bedrock (${e.message}). Configure a profile (aws configure / aws sso login), ` +
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set AWS_BEARER_TOKEN_BEDROCK to a Bedrock API key.',
      { ...base, isRetryable: false, code: 'NO_CREDENTIALS' },
    );
  }
  if (name === 'AccessDeniedException' && /authorization|signature|credential|token|not authorized to perform/i.test(e.message ?? '')) {
    return new ModelCallError(
      `Bedrock refused the request's credentials for ${where} (${e.message}). Check the AWS credentials or Bedrock API key, ` +
        'and that your IAM policy allows bedrock:InvokeModel.',
      { ...base, isRetryable: false, code: 'AccessDeniedException' },
    );
  }
  if (name === 'AccessDeniedException') {
    return new ModelCallError(
      `Access denied to ${where}: ${e.message}. Enable model access in the Bedrock console for ${ctx.modelId}` +
        `${ctx.region ? ` in ${ctx.region}` : ''}, and check that your IAM policy allows bedrock:InvokeModel.`,
      { ...base, isRetryable: false },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new ModelCallError(`${where} was not found: ${e.message}. Check the model id or inference profile and the region.`, {
      ...base,
      isRetryable: false,
    });
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'ExpiredTokenException', 'MissingAuthenticationTokenException'].includes(name)) {
    return new ModelCallError(`Bedrock rejected the credentials (${name}: ${e.message}). Refresh them (e.g. aws sso login) and retry.`, {
      ...base,
      isRetryable: false,
    });
  }
  if (name === 'ValidationException') {
    return new ModelCallError(`Bedrock rejected the request to ${where}: ${e.message}`, { ...base, isRetryable: false });
  }
  if (TRANSIENT.has(name) || (status !== undefined && status >= 500)) {
    return new ModelCallError(`Bedrock is unavailable for ${where} (${name}: ${e.message}); retry later.`, { ...base, isRetryable: true });
  }
  if (THROTTLES.has(name) || status === 429) {
    return new ModelCallError(`Bedrock is throttling ${where} (${e.message}); the request can be retried later.`, {
      ...base,
      isRetryable: true,
      isThrottle: true,
      ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  const code = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  if (code === 'ENOTFOUND' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || name === 'TimeoutError') {
    return new ModelCallError(
      `Cannot reach Bedrock for ${where} (${code ?? name}: ${e.message}). Check the region, the network and KB_BEDROCK_ENDPOINT if set.`,
      { ...base, isRetryable: true, code: 'UNREACHABLE' },
    );
  }
  return new ModelCallError(`Bedrock call to ${where} failed: ${name}: ${e.message}`, { ...base, isRetryable: false });
}
