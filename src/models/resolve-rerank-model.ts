import type { KbConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { MODEL_CATALOG, resolveModelId } from './model-catalog.js';

const ARN = /^arn:aws[\w-]*:bedrock:([a-z0-9-]*)::foundation-model\/(.+)$/;

/** The model and region a rerank configuration names, checked against the catalogue: a ConfigError that says the fix, otherwise. */
export function resolveRerankModel(config: Pick<KbConfig, 'retrieval' | 'bedrock'>): { modelId: string; region: string; modelArn: string } {
  const { model, region: rerankRegion } = config.retrieval.rerank;
  const arn = ARN.exec(model);
  const modelId = arn ? arn[2]! : model;
  const region = rerankRegion ?? (arn?.[1] || undefined) ?? config.bedrock.region;
  if (!region) throw new ConfigError('Reranking needs an AWS region: set AWS_REGION (bedrock.region) or retrieval.rerank.region (KB_RERANK_REGION), e.g. us-west-2.');
  const rerankers = MODEL_CATALOG.filter((m) => m.kind === 'rerank');
  const known = resolveModelId(modelId)?.model;
  if (!known || known.kind !== 'rerank') {
    throw new ConfigError(`retrieval.rerank.model "${model}" is not a Bedrock rerank model. Use one of ${rerankers.map((m) => m.id).join(', ')} (KB_RERANK_MODEL).`);
  }
  if (arn?.[1] && arn[1] !== region) {
    throw new ConfigError(`retrieval.rerank.model is an ARN in ${arn[1]} but Rerank would be called in ${region}. Use the bare model id ${modelId}, or the same region in both.`);
  }
  if (!known.regions.includes(region)) {
    throw new ConfigError(
      `Bedrock Rerank (${known.id}) is not offered in ${region}. Set retrieval.rerank.region (KB_RERANK_REGION) to one of ${known.regions.join(', ')}, ` +
        `or turn reranking off (retrieval.rerank.enabled false, KB_RERANK=false).`,
    );
  }
  return { modelId: known.id, region, modelArn: `arn:aws:bedrock:${region}::foundation-model/${known.id}` };
}


/**
 * Whether a configuration's reranking can work, checked without calling anything: loadConfig runs it, so every
 * command and `kb serve` fail at start on a region without Rerank rather than on the first question.
 */
export function checkRerankConfig(config: Pick<KbConfig, 'provider' | 'retrieval' | 'bedrock'>): void {
  if (!config.retrieval.rerank.enabled) return;
  if (config.provider !== 'bedrock') {
    throw new ConfigError('retrieval.rerank.enabled (KB_RERANK) needs provider "bedrock" (KB_PROVIDER=bedrock): reranking calls Bedrock Rerank. Turn it off for offline use.');
  }
  resolveRerankModel(config);
}
