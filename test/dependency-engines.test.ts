import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// Every installed package must run on the oldest Node the project promises (package.json engines, which the
// README repeats); a dependency that needs a newer Node makes `npm ci` warn EBADENGINE on a supported machine.
const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; os?: string[]; cpu?: string[] }>;
};

describe('dependency engines', () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version ?? '';

  it('the README names the same oldest Node as package.json', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const major = oldest.split('.').slice(0, 2).join('.');
    expect(readme).toContain(`Node.js ${major} or newer`);
  });

  it('every locked package supports that Node', () => {
    const unsupported: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!path || !range) continue;
      // Platform binaries for other systems are never installed here; their engines do not apply.
      if (entry.optional && (entry.os || entry.cpu)) continue;
      if (!semver.satisfies(oldest, range)) unsupported.push(`${path} needs node ${range}`);
    }
    expect(oldest).not.toBe('');
    expect(unsupported).toEqual([]);
  });
});
