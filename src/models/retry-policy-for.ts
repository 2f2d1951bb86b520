import type { KbConfig } from '../config.js';
import type { RetryPolicy } from './retry-model-call.js';

/** The retry budgets configuration asks for: bedrock.maxAttempts (KB_BEDROCK_MAX_ATTEMPTS) bounds failed attempts. */
export function retryPolicyFor(bedrock: Pick<KbConfig['bedrock'], 'maxAttempts'>): Partial<RetryPolicy> {
  return { maxRetries: bedrock.maxAttempts - 1 };
}
