import { ApplyGuardrailCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { KbConfig } from '../config.js';
import { isAbortError } from '../errors.js';
import type { GuardrailIntervention } from '../types.js';
import { createBedrockClient } from './bedrock-client.js';
import { toModelCallError } from './bedrock-errors.js';
import { assessmentFindings } from './guardrail-reason.js';
import { retryModelCall } from './retry-model-call.js';
import { retryPolicyFor } from './retry-policy-for.js';

/** The guardrail's verdict on a question: undefined when it passes, else why and the message to show instead. */
export type InputGuard = (question: string, signal?: AbortSignal) => Promise<(GuardrailIntervention & { message: string }) | undefined>;

/**
 * ApplyGuardrail on each question (source INPUT) before retrieval, for answer.guardrail with checkInput: a
 * question the guardrail blocks is answered with its message without retrieving or calling the model.
 */
export function createBedrockInputGuard({ config, client }: { config: Pick<KbConfig, 'answer' | 'bedrock'> & { env?: { bearerToken?: string | undefined } }; client?: BedrockRuntimeClient }): InputGuard | undefined {
  const guardrail = config.answer.guardrail;
  if (!guardrail?.checkInput) return undefined;
  const { bedrock } = config;
  const sdk = client ?? createBedrockClient({ bedrock, bearerToken: config.env?.bearerToken });
  const context = { modelId: `guardrail ${guardrail.id}`, ...(bedrock.region ? { region: bedrock.region } : {}), ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}) };
  return async (question, signal) => {
    const once = async () => {
      try {
        return await sdk.send(
          new ApplyGuardrailCommand({ guardrailIdentifier: guardrail.id, guardrailVersion: guardrail.version, source: 'INPUT', content: [{ text: { text: question } }] }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (error) {
        if (signal?.aborted && !isAbortError(error)) throw Object.assign(new Error('The guardrail check was aborted.', { cause: signal.reason }), { name: 'AbortError' });
        throw toModelCallError(error, context);
      }
    };
    const { value } = await retryModelCall(once, { policy: retryPolicyFor(bedrock), ...(signal ? { signal } : {}) });
    if (value.action !== 'GUARDRAIL_INTERVENED') return undefined;
    const findings = (value.assessments ?? []).flatMap(assessmentFindings);
    return {
      action: 'intervened',
      source: 'input',
      reason: findings.join('; ') || (value.actionReason ?? 'The guardrail intervened.'),
      message: value.outputs?.map((o) => o.text ?? '').join('\n') || 'The guardrail blocked this question.',
    };
  };
}
