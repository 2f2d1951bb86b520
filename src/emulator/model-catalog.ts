export type ModelFamily = 'titan-v1' | 'titan-v2' | 'cohere' | 'anthropic';

const FAMILIES: Record<string, ModelFamily> = {
  'amazon.titan-embed-text-v1': 'titan-v1',
  'amazon.titan-embed-text-v2:0': 'titan-v2',
  'cohere.embed-english-v3': 'cohere',
  'cohere.embed-multilingual-v3': 'cohere',
  // Claude models on Bedrock (the account "has access" to these; any other id is AccessDenied, as for a model
  // whose access was never enabled).
  'anthropic.claude-3-haiku-20240307-v1:0': 'anthropic',
  'anthropic.claude-3-sonnet-20240229-v1:0': 'anthropic',
  'anthropic.claude-3-opus-20240229-v1:0': 'anthropic',
  'anthropic.claude-3-5-haiku-20241022-v1:0': 'anthropic',
  'anthropic.claude-3-5-sonnet-20240620-v1:0': 'anthropic',
  'anthropic.claude-3-5-sonnet-20241022-v2:0': 'anthropic',
  'anthropic.claude-3-7-sonnet-20250219-v1:0': 'anthropic',
  'anthropic.claude-sonnet-4-20250514-v1:0': 'anthropic',
  'anthropic.claude-opus-4-20250514-v1:0': 'anthropic',
  'anthropic.claude-sonnet-4-5-20250929-v1:0': 'anthropic',
  'anthropic.claude-haiku-4-5-20251001-v1:0': 'anthropic',
};

/** Cross-region inference profiles prefix the model id with a geography ("us.anthropic.claude-..."). */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;
const ARN_PREFIX = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(foundation-model|inference-profile)\//;

/** The family a model id (plain, inference profile or ARN) belongs to; undefined when the emulator does not serve it. */
export function modelFamily(modelId: string): ModelFamily | undefined {
  const bare = modelId.replace(ARN_PREFIX, '').replace(PROFILE_PREFIX, '');
  return FAMILIES[bare];
}
