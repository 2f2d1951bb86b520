import { configDefaults } from './config-defaults.js';
import { type ConfigSources, finishConfig, type LoadedConfig, readConfigInput } from './config-input.js';

/**
 * loadConfig for a process that runs one command (the CLI): the same result and errors, but when nothing is
 * configured except maybe the knowledge base folder (no kb.config.json, no other KB_* variable, no other flag),
 * that result is the schema's defaults with that folder, so zod and the schema are not loaded. Anything else is
 * validated by loadConfig's own step, imported then.
 */
export async function loadConfigLazily(sources: ConfigSources = {}): Promise<LoadedConfig> {
  const input = readConfigInput(sources);
  const keys = Object.keys(input.raw);
  // kbDir is z.string() with a default: any string is valid and lands where the default was.
  if (!input.hasFile && keys.every((k) => k === 'kbDir') && (input.raw.kbDir === undefined || typeof input.raw.kbDir === 'string')) {
    return finishConfig({ ...configDefaults(), ...(input.raw as { kbDir?: string }) }, sources, input);
  }
  const { validateConfigInput } = await import('./config.js');
  return validateConfigInput(input, sources);
}
