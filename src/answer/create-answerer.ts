import type { LoadedConfig } from '../config.js';
import type { Answerer } from './answerer.js';
import { createExtractiveAnswerer } from './extractive-answerer.js';

/** Extractive offline; Claude on Bedrock when the provider is bedrock (imported lazily: offline never loads the SDK). */
export async function createAnswerer(config: LoadedConfig): Promise<Answerer> {
  if (config.provider !== 'bedrock') return createExtractiveAnswerer();
  const { createBedrockAnswerer } = await import('./create-bedrock-answerer.js');
  return createBedrockAnswerer(config);
}
