import { configDefaults } from './config-defaults.js';
import { type ConfigSources, finishConfig, type LoadedConfig, readConfigInput } from './config-input.js';

/**
 * loadConfig for a process that runs one command (the CLI): the same result and errors, but when there is no
 * kb.config.json and the environment and flags set nothing but the knowledge base folder and values equal to
 * their defaults (KB_PROVIDER=local), that result is the schema's defaults with that folder, and zod and the
 * schema are not loaded. Anything else is validated by loadConfig's own step, imported then.
 */
export async function loadConfigLazily(sources: ConfigSources = {}): Promise<LoadedConfig> {
  const input = readConfigInput(sources);
  const defaults = configDefaults();
  const { kbDir, ...rest } = input.raw;
  // kbDir is z.string() with a default, so any string is valid and lands where the default was; a value equal to
  // its default validates to itself (test/config-defaults.test.ts checks that for every default of the schema).
  if (!input.hasFile && (kbDir === undefined || typeof kbDir === 'string') && equalsDefaults(rest, defaults)) {
    return finishConfig(kbDir === undefined ? defaults : { ...defaults, kbDir }, sources, input);
  }
  const { validateConfigInput } = await import('./config.js');
  return validateConfigInput(input, sources);
}

/** Whether every value set in `given` is a primitive equal (Object.is) to the default at the same path. */
function equalsDefaults(given: Record<string, unknown>, defaults: object): boolean {
  return Object.entries(given).every(([key, value]) => {
    if (!Object.hasOwn(defaults, key)) return false;
    const fallback = (defaults as Record<string, unknown>)[key];
    if (isPlainObject(value) && isPlainObject(fallback)) return equalsDefaults(value, fallback);
    return (value === null || typeof value !== 'object') && Object.is(value, fallback);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
