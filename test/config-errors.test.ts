import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { tempDir } from './temp-dir.js';

describe('config error wording', () => {
  it('names kb.config.json only when there is such a file', () => {
    const bare = tempDir();
    expect(() => loadConfig({ cwd: bare, env: { KB_TOP_K: '0' } })).toThrow(/retrieval\.topK: .* \(set in env KB_TOP_K or a flag\)$/m);
    expect(() => loadConfig({ cwd: bare, env: { KB_TOP_K: '0' } })).not.toThrow(/kb\.config\.json/);
    const withFile = tempDir();
    writeFileSync(join(withFile, 'kb.config.json'), JSON.stringify({ retrieval: { topK: 0 } }));
    expect(() => loadConfig({ cwd: withFile, env: {} })).toThrow(/kb\.config\.json, env KB_TOP_K or a flag/);
  });
});
