import { type CatalogModel, MODEL_CATALOG, profilesForRegion } from '../models/model-catalog.js';

/**
 * The two Bedrock control-plane calls `kb models` makes, answered from the model catalogue for one region, in
 * the service's JSON shapes (Bedrock API reference: ListFoundationModels, ListInferenceProfiles).
 */
export function listFoundationModels(region: string) {
  const usable = new Set(profilesForRegion(region));
  const modelSummaries = MODEL_CATALOG.filter((m) => m.family !== 'local' && (m.regions.includes(region) || m.profiles.some((p) => usable.has(p)))).map((m) => ({
    modelArn: foundationArn(region, m.id),
    modelId: m.id,
    modelName: m.name,
    providerName: providerName(m),
    inputModalities: m.modality.filter((x) => x === 'text' || x === 'image').map((x) => x.toUpperCase()),
    outputModalities: [m.kind === 'embedding' ? 'EMBEDDING' : 'TEXT'],
    responseStreamingSupported: m.kind === 'chat',
    customizationsSupported: [],
    inferenceTypesSupported: [...(m.regions.includes(region) ? ['ON_DEMAND'] : []), ...(m.profiles.some((p) => usable.has(p)) ? ['INFERENCE_PROFILE'] : [])],
    modelLifecycle: { status: 'ACTIVE' },
  }));
  return { modelSummaries };
}

export function listInferenceProfiles(region: string, { account = '000000000000', maxResults = 1000, nextToken }: { account?: string; maxResults?: number; nextToken?: string } = {}) {
  const all = profilesForRegion(region).flatMap((prefix) =>
    MODEL_CATALOG.filter((m) => m.profiles.includes(prefix)).map((m) => ({
      inferenceProfileName: `${prefix.toUpperCase()} ${m.name}`,
      inferenceProfileArn: `arn:aws:bedrock:${region}:${account}:inference-profile/${prefix}.${m.id}`,
      inferenceProfileId: `${prefix}.${m.id}`,
      description: `Routes requests to ${m.name} in regions of ${prefix}.`,
      models: [{ modelArn: foundationArn(region, m.id) }],
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED',
      createdAt: '2024-08-01T00:00:00Z',
      updatedAt: '2024-08-01T00:00:00Z',
    })),
  );
  const start = nextToken ? Number(nextToken) : 0;
  const page = all.slice(start, start + maxResults);
  return { inferenceProfileSummaries: page, ...(start + maxResults < all.length ? { nextToken: String(start + maxResults) } : {}) };
}

function foundationArn(region: string, modelId: string): string {
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

function providerName(m: CatalogModel): string {
  return m.family === 'anthropic' ? 'Anthropic' : m.family === 'cohere' ? 'Cohere' : 'Amazon';
}
