import type { KbConfig } from '../config.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-model-call.js';

/**
 * The retry budgets configuration asks for: bedrock.maxAttempts (KB_BEDROCK_MAX_ATTEMPTS) bounds failed attempts,
 * bedrock.maxBackoffMs (KB_BEDROCK_MAX_BACKOFF_MS) the longest wait between them.
 */
export function retryPolicyFor(bedrock: Pick<KbConfig['bedrock'], 'maxAttempts'> & Partial<Pick<KbConfig['bedrock'], 'maxBackoffMs'>>): Partial<RetryPolicy> {
  const maxDelayMs = bedrock.maxBackoffMs ?? DEFAULT_RETRY_POLICY.maxDelayMs;
  return { maxRetries: bedrock.maxAttempts - 1, maxDelayMs, baseDelayMs: Math.min(DEFAULT_RETRY_POLICY.baseDelayMs, maxDelayMs) };
}
