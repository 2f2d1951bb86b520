export type ModelFamily = 'titan-v1' | 'titan-v2' | 'cohere' | 'anthropic';

const FAMILIES: Record<string, ModelFamily> = {
  'amazon.titan-embed-text-v1': 'titan-v1',
  'amazon.titan-embed-text-v2:0': 'titan-v2',
  'cohere.embed-english-v3': 'cohere',
  'cohere.embed-multilingual-v3': 'cohere',
};

/** Cross-region inference profiles prefix the model id with a geography ("us.anthropic.claude-..."). */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;
const ARN_PREFIX = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(foundation-model|inference-profile)\//;

/** The family a model id (plain, inference profile or ARN) belongs to; undefined when the emulator does not serve it. */
export function modelFamily(modelId: string): ModelFamily | undefined {
  const bare = modelId.replace(ARN_PREFIX, '').replace(PROFILE_PREFIX, '');
  if (/^anthropic\.claude-[\w.-]+(:\d+)?$/.test(bare)) return 'anthropic';
  return FAMILIES[bare];
}
