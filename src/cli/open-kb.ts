import { collectionConfig, type LoadedConfig } from '../config-input.js';
import { loadConfigLazily } from '../load-config-lazily.js';
import { isKnownFormat, KNOWN_FORMATS } from '../app/known-formats.js';
import type { SearchFilters } from '../types.js';
import { UsageError } from '../errors.js';
import type { CliContext, GlobalOptions } from './cli-context.js';

/** Config from file, env and this command's flags (loadConfig's result; zod is loaded only when there is something to validate). */
export async function configFor(ctx: CliContext, options: GlobalOptions & Record<string, unknown>, flags: Record<string, unknown> = {}): Promise<LoadedConfig> {
  const config = await loadConfigLazily({ cwd: ctx.cwd, env: ctx.env, flags: { kbDir: options.kbDir, ...flags } });
  if (options.collection === undefined) return config;
  const names = Object.keys(config.collections);
  if (!names.includes(options.collection)) {
    throw new UsageError(`--collection ${options.collection}: no such collection in the configuration; ${names.length ? `it has ${names.join(', ')}` : 'add it under "collections" in kb.config.json'}.`);
  }
  return collectionConfig(config, options.collection);
}

/** Search filters from --path, --glob, --type and --tag. */
export function filtersFrom(options: Record<string, unknown>): SearchFilters | undefined {
  const bad = Array.isArray(options.type) ? (options.type as string[]).filter((t) => !isKnownFormat(t)) : [];
  if (bad.length) throw new UsageError(`--type: unknown format ${bad.join(', ')}; use ${KNOWN_FORMATS.join(', ')}`);
  const f: SearchFilters = {
    ...(options.path ? { pathPrefix: String(options.path) } : {}),
    ...(options.glob ? { pathGlob: String(options.glob) } : {}),
    ...(Array.isArray(options.type) ? { formats: options.type as SearchFilters['formats'] } : {}),
    ...(Array.isArray(options.tag) ? { tags: options.tag as string[] } : {}),
  };
  return Object.keys(f).length ? f : undefined;
}
