import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { ConfigError } from '../errors.js';
import type { KbConfig } from '../config.js';

export interface BedrockClientOptions {
  bedrock: KbConfig['bedrock'];
  /** A Bedrock API key (AWS_BEARER_TOKEN_BEDROCK); when set it is used instead of SigV4 credentials. */
  bearerToken?: string;
  /**
   * 'adaptive' (default) adds the SDK's client-side rate limiter to its backoff. Embedding clients pass
   * 'standard' with one attempt: there core's embed scheduler is the controller (see create-embedder.ts).
   */
  retryMode?: 'adaptive' | 'standard';
}

/**
 * The one place a BedrockRuntimeClient is made. Credentials come from the SDK's default chain (env,
 * profiles, SSO, instance roles) unless a Bedrock API key is given. The SDK retries in adaptive mode,
 * which adds a client-side token bucket on top of exponential backoff.
 */
export function createBedrockClient({ bedrock, bearerToken, retryMode = 'adaptive' }: BedrockClientOptions): BedrockRuntimeClient {
  const region = bedrock.region;
  if (!region) {
    throw new ConfigError(
      'No AWS region is set for Bedrock. Set AWS_REGION (e.g. us-east-1) or "bedrock": { "region": "us-east-1" } in kb.config.json.',
    );
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigError(`"${region}" is not an AWS region name (expected something like us-east-1). Check AWS_REGION or bedrock.region.`);
  }
  return new BedrockRuntimeClient({
    region,
    ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
    ...(bedrock.profile ? { profile: bedrock.profile } : {}),
    // Without a configured key, insist on SigV4: the SDK would otherwise pick up AWS_BEARER_TOKEN_BEDROCK from
    // process.env by itself, behind loadConfig's back.
    ...(bearerToken ? { token: { token: bearerToken }, authSchemePreference: ['httpBearerAuth'] } : { authSchemePreference: ['sigv4'] }),
    retryMode,
    maxAttempts: bedrock.maxAttempts,
    requestHandler: new NodeHttp2Handler({ requestTimeout: bedrock.requestTimeoutMs, disableConcurrentStreams: true }),
  });
}
