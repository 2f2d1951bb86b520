import { UsageError } from '../../errors.js';
import { keyStorePaths } from '../../keys/key-store-paths.js';
import { openKeyStore } from '../../keys/key-store.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';

/** `kb keys create|list|revoke`: scoped API keys; a running server sees changes on its next request. */
export const run: CommandRun = async ([action, name], options, ctx) => {
  // --collection here names the scopes of the key, not a knowledge base to open.
  const config = await configFor(ctx, { ...options, collection: undefined });
  const store = openKeyStore(keyStorePaths(config.kbDir));
  const out = (json: unknown, text: string) => ctx.stdout.write(options.json ? `${JSON.stringify(json)}\n` : text);
  switch (action) {
    case 'create': {
      if (!name) throw new UsageError('Name the key: kb keys create ci-bot --collection hr --role reader');
      const role = String(options.role ?? 'reader');
      if (role !== 'reader' && role !== 'admin') throw new UsageError(`--role must be reader or admin, not "${role}".`);
      const collections = (options.collection as string[] | undefined) ?? [];
      if (!collections.length) throw new UsageError('Give the collections it may use: --collection hr (comma list, or * for all).');
      const access = (options.access as string[] | undefined) ?? [];
      const { key, listing } = store.create({ name, scopes: Object.fromEntries(collections.map((c) => [c, role])), access });
      out({ ...listing, key }, `Key "${name}" (${collections.join(', ')}: ${role}${access.length ? `; access ${access.join(', ')}` : ''}). It is shown only now; store it safely:\n${key}\nBedrock clients: access key id "${name}", secret access key = the key.\n`);
      return 0;
    }
    case 'list': {
      const keys = store.list();
      out({ keys }, keys.length ? keys.map((k) => `${k.name}  ${Object.entries(k.scopes).map(([c, r]) => `${c}:${r}`).join(',')}${k.access?.length ? `  access ${k.access.join(',')}` : ''}  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}\n`).join('') : 'No keys.\n');
      return 0;
    }
    case 'revoke': {
      if (!name) throw new UsageError('Name the key to revoke: kb keys revoke ci-bot');
      if (!store.revoke(name)) throw new UsageError(`There is no active key named "${name}"; kb keys list shows them.`);
      out({ revoked: name }, `Revoked "${name}"; requests with it are refused from now on.\n`);
      return 0;
    }
    default:
      throw new UsageError(`Unknown action "${action ?? ''}"; use kb keys create <name>, kb keys list or kb keys revoke <name>.`);
  }
};
