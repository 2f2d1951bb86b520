import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDefaults } from '../src/config-defaults.js';
import { configSchema, loadConfig } from '../src/config.js';
import { loadConfigLazily } from '../src/load-config-lazily.js';
import { tempDir } from './temp-dir.js';

describe('configDefaults', () => {
  it('is what the schema gives for an empty configuration, key for key and in the same order', () => {
    const expected = JSON.stringify(configSchema.parse({}), null, 2);
    expect(JSON.stringify(configDefaults(), null, 2), `src/config-defaults.ts is out of date with src/config-schema.ts; the schema now gives:\n${expected}`).toBe(expected);
  });

  it('holds only defaults that, given explicitly, validate to themselves (what loadConfigLazily relies on)', () => {
    const expected = JSON.stringify(configSchema.parse({}));
    const leaves = (value: object, path: string[] = []): Array<[string[], unknown]> =>
      Object.entries(value).flatMap(([key, v]) => (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length ? leaves(v, [...path, key]) : [[[...path, key], v] as [string[], unknown]]));
    const all = leaves(configDefaults());
    expect(all.length).toBeGreaterThan(40);
    for (const [path, value] of all) {
      const raw: Record<string, unknown> = {};
      let node = raw;
      for (const key of path.slice(0, -1)) node = (node[key] = {}) as Record<string, unknown>;
      node[path.at(-1)!] = value;
      expect(JSON.stringify(configSchema.parse(raw)), path.join('.')).toBe(expected);
    }
  });

  it('returns a fresh object each time, so a caller changing its configuration changes no one else\'s', () => {
    const a = configDefaults();
    a.roots.push('/x');
    a.retrieval.rerank.enabled = true;
    expect(configDefaults().roots).toEqual([]);
    expect(configDefaults().retrieval.rerank.enabled).toBe(false);
  });
});

describe('loadConfigLazily', () => {
  const same = async (sources: Parameters<typeof loadConfig>[0]) => {
    const lazy = await loadConfigLazily(sources);
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(loadConfig(sources)));
    return lazy;
  };

  it('gives loadConfig\'s result, with nothing configured or only the knowledge base folder', async () => {
    const cwd = tempDir();
    expect((await same({ cwd, env: {} })).kbDir).toBe(join(cwd, '.kb'));
    expect((await same({ cwd, env: {}, flags: { kbDir: 'kb-here', 'chunking.targetTokens': undefined } })).kbDir).toBe(join(cwd, 'kb-here'));
    expect((await same({ cwd, env: { KB_DIR: '/abs/kb', KB_DEBUG: '1', AWS_BEARER_TOKEN_BEDROCK: 't' } })).env).toEqual({ bearerToken: 't', debug: true });
    expect((await same({ cwd, env: { KB_PROVIDER: 'local', KB_TOP_K: '6', KB_RERANK: 'false' } })).provider).toBe('local');
  });

  it('gives loadConfig\'s result for settings it has to validate: a file, other variables, other flags', async () => {
    const cwd = tempDir();
    expect((await same({ cwd, env: { AWS_REGION: 'eu-west-1', KB_TOP_K: '9' } })).retrieval.topK).toBe(9);
    expect((await same({ cwd, env: { KB_PROVIDER: 'bedrock' } })).provider).toBe('bedrock');
    expect((await same({ cwd, env: { KB_ROOTS: ',' } })).roots).toEqual([]);
    expect((await same({ cwd, env: {}, flags: { kbDir: 'k', 'chunking.targetTokens': 800 } })).chosen.chunking).toBe(true);
    writeFileSync(join(cwd, 'kb.config.json'), JSON.stringify({ roots: ['docs'] }));
    expect((await same({ cwd, env: {} })).roots).toEqual([join(cwd, 'docs')]);
    writeFileSync(join(cwd, 'kb.config.json'), '{}');
    await same({ cwd, env: {} });
  });

  it('throws loadConfig\'s errors', async () => {
    const cwd = tempDir();
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected an error');
    };
    for (const sources of [{ cwd, env: { KB_TOP_K: '0' } }, { cwd, env: {}, flags: { kbDir: 42 } }, { cwd, env: { KB_CONFIG: 'missing.json' } }, { cwd, env: { KB_PROVIDER: 'Local' } }, { cwd, env: { KB_TOP_K: '6.0001' } }]) {
      await expect(loadConfigLazily(sources)).rejects.toThrow(message(() => loadConfig(sources)));
    }
    writeFileSync(join(cwd, 'kb.config.json'), '[]');
    await expect(loadConfigLazily({ cwd, env: {} })).rejects.toThrow(message(() => loadConfig({ cwd, env: {} })));
  });
});
