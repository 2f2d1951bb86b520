import { BedrockClient, ListFoundationModelsCommand, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import type { KbConfig } from '../config.js';
import { checkedRegion } from './bedrock-client.js';
import { toModelCallError } from './bedrock-errors.js';

export interface AccountModels {
  region: string;
  /** Foundation model ids the account can call on demand (in-region) in the region. */
  foundationModels: string[];
  /** Inference profile ids (system-defined and application) usable from the region. */
  inferenceProfiles: string[];
}

/** What the Bedrock control plane says the account can use in the configured region. */
export async function listAccountModels({ bedrock, bearerToken }: { bedrock: KbConfig['bedrock']; bearerToken?: string | undefined }): Promise<AccountModels> {
  const region = checkedRegion(bedrock.region);
  const client = new BedrockClient({
    region,
    ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
    ...(bedrock.profile ? { profile: bedrock.profile } : {}),
    ...(bearerToken ? { token: { token: bearerToken }, authSchemePreference: ['httpBearerAuth'] } : { authSchemePreference: ['sigv4'] }),
    maxAttempts: 3,
  });
  try {
    const models = await client.send(new ListFoundationModelsCommand({}));
    const profiles: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListInferenceProfilesCommand({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
      for (const p of page.inferenceProfileSummaries ?? []) if (p.inferenceProfileId) profiles.push(p.inferenceProfileId);
      nextToken = page.nextToken;
    } while (nextToken);
    // Models offered only through a cross-region profile are listed too, with INFERENCE_PROFILE alone.
    const onDemand = (models.modelSummaries ?? []).filter((m) => m.modelId && (m.inferenceTypesSupported ?? ['ON_DEMAND']).includes('ON_DEMAND'));
    return { region, foundationModels: onDemand.map((m) => m.modelId!), inferenceProfiles: profiles };
  } catch (error) {
    throw toModelCallError(error, { modelId: 'ListFoundationModels', region, ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}) });
  } finally {
    client.destroy();
  }
}
