import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { ConfigError } from '../errors.js';
import type { KbConfig } from '../config.js';

export interface BedrockClientOptions {
  bedrock: Pick<KbConfig['bedrock'], 'region' | 'endpoint' | 'profile' | 'requestTimeoutMs'>;
  /** A Bedrock API key (AWS_BEARER_TOKEN_BEDROCK); when set it is used instead of SigV4 credentials. */
  bearerToken?: string | undefined;
}

/** The region, checked: the SDK would otherwise fail later with a less helpful message. */
export function checkedRegion(region: string | undefined): string {
  if (!region) {
    throw new ConfigError('No AWS region is set for Bedrock. Set AWS_REGION (e.g. us-east-1) or "bedrock": { "region": "us-east-1" } in kb.config.json.');
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigError(`"${region}" is not an AWS region name (expected something like us-east-1). Check AWS_REGION or bedrock.region.`);
  }
  return region;
}

/**
 * The one place a BedrockRuntimeClient is made. Credentials come from the SDK's default chain (env, profiles,
 * SSO, instance roles) unless a Bedrock API key is given. The SDK makes one attempt: every retry is core's
 * retryModelCall, which sees each throttle (the embed scheduler adapts its concurrency to them) and honours
 * Retry-After. SDK retries underneath hid those throttles and their long backoffs stalled runs.
 */
export function createBedrockClient({ bedrock, bearerToken }: BedrockClientOptions): BedrockRuntimeClient {
  const region = checkedRegion(bedrock.region);
  return new BedrockRuntimeClient({
    region,
    ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
    ...(bedrock.profile ? { profile: bedrock.profile } : {}),
    // Without a configured key, insist on SigV4: the SDK would otherwise pick up AWS_BEARER_TOKEN_BEDROCK from
    // process.env by itself, behind loadConfig's back.
    ...(bearerToken ? { token: { token: bearerToken }, authSchemePreference: ['httpBearerAuth'] } : { authSchemePreference: ['sigv4'] }),
    maxAttempts: 1,
    requestHandler: new NodeHttp2Handler({ requestTimeout: bedrock.requestTimeoutMs, disableConcurrentStreams: true }),
  });
}
