import { configSchema } from './config-schema.js';
import { type ConfigInput, type ConfigSources, finishConfig, invalidConfig, type LoadedConfig, readConfigInput } from './config-input.js';

export { configSchema, type KbConfig } from './config-schema.js';
export { collectionConfig, type ConfigSources, type LoadedConfig, priceFor } from './config-input.js';

/** kb.config.json < KB_* env vars < flags. Errors name the file, the option and its env var. */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  return validateConfigInput(readConfigInput(sources), sources);
}

/** The validation step of loadConfig, for a caller that read the input already (src/load-config-lazily.ts). */
export function validateConfigInput(input: ConfigInput, sources: ConfigSources): LoadedConfig {
  const parsed = configSchema.safeParse(input.raw);
  if (!parsed.success) throw invalidConfig(parsed.error.issues, input);
  return finishConfig(parsed.data, sources, input);
}
