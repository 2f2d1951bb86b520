import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { ScopedPrincipal } from '../collections/scope.js';
import { findByKeyHash } from './find-by-key-hash.js';

const roleSchema = z.enum(['reader', 'admin']);
const recordSchema = z.object({
  name: z.string(),
  scopes: z.record(z.string(), roleSchema),
  /** Access tags: documents whose front matter `access` names one of these are visible to the key (see ScopedPrincipal). */
  access: z.array(z.string()).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  salt: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
const fileSchema = z.object({ version: z.literal(1), keys: z.array(recordSchema) });

export type KeyRecord = z.infer<typeof recordSchema>;
/** What `kb keys list` shows: never the key, nor its hash. */
export type KeyListing = Omit<KeyRecord, 'sha256' | 'salt'>;

const NAME = /^[a-zA-Z0-9][\w.-]{0,63}$/;
const ACCESS_TAG = /^(\*|[a-zA-Z0-9][\w.-]{0,63})$/;

/**
 * API keys with scopes, in a JSON file that holds only each key's SHA-256. A key is derived from a server
 * secret (a separate 0600 file) and the key's salt, because SigV4 verification needs the key itself: the server
 * can re-derive it, the keys file alone reveals none. Every call rereads the file when it changed, so keys
 * created or revoked by `kb keys` apply to a running server without a restart.
 */
export function openKeyStore({ file, secretFile }: { file: string; secretFile: string }) {
  let loaded: { stamp: string; keys: KeyRecord[] } | undefined;

  const stampOf = () => {
    if (!existsSync(file)) return 'absent';
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  };
  const records = (): KeyRecord[] => {
    const stamp = stampOf();
    if (loaded?.stamp !== stamp) {
      const keys = stamp === 'absent' ? [] : fileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).keys;
      loaded = { stamp, keys };
    }
    return loaded.keys;
  };
  const save = (keys: KeyRecord[]) => {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    loaded = undefined;
  };
  const serverSecret = (create: boolean): Buffer | undefined => {
    if (existsSync(secretFile)) return readFileSync(secretFile);
    if (!create) return undefined;
    mkdirSync(dirname(secretFile), { recursive: true });
    writeFileSync(secretFile, randomBytes(32), { mode: 0o600, flag: 'wx' });
    chmodSync(secretFile, 0o600);
    return readFileSync(secretFile);
  };
  const derive = (secret: Buffer, r: Pick<KeyRecord, 'name' | 'salt'>) => `kb_${createHmac('sha256', secret).update(`${r.name}:${r.salt}`).digest('base64url')}`;
  const active = () => records().filter((r) => !r.revokedAt);
  const principal = (r: KeyRecord): ScopedPrincipal => ({ name: r.name, scopes: { ...r.scopes }, access: [...(r.access ?? [])] });

  return {
    /** Creates a key and returns it; this is the only time it is shown. */
    create({ name, scopes, access = [] }: { name: string; scopes: ScopedPrincipal['scopes']; access?: string[] }): { key: string; listing: KeyListing } {
      const badTag = access.find((t) => !ACCESS_TAG.test(t));
      if (badTag !== undefined) throw new UsageError(`Access tag "${badTag}" must be 1-64 letters, digits, ".", "-" or "_" (or * for every document).`);
      if (!NAME.test(name)) throw new UsageError(`Key name "${name}" must be 1-64 letters, digits, dots, dashes or underscores; it is the SigV4 access key id.`);
      if (!Object.keys(scopes).length) throw new UsageError('A key needs at least one collection: --collection hr (or * for all).');
      const keys = records();
      if (keys.some((r) => r.name === name && !r.revokedAt)) throw new UsageError(`A key named "${name}" exists; revoke it first (kb keys revoke ${name}) or pick another name.`);
      const salt = randomBytes(16).toString('hex');
      const key = derive(serverSecret(true)!, { name, salt });
      const record: KeyRecord = { name, scopes, ...(access.length ? { access } : {}), salt, sha256: createHash('sha256').update(key).digest('hex'), createdAt: new Date().toISOString() };
      save([...keys.filter((r) => r.name !== name), record]);
      const { sha256: _h, salt: _s, ...listing } = record;
      return { key, listing };
    },
    list(): KeyListing[] {
      return records().map(({ sha256: _h, salt: _s, ...listing }) => listing);
    },
    /** True when an active key of that name was revoked. */
    revoke(name: string): boolean {
      const keys = records();
      const found = keys.find((r) => r.name === name && !r.revokedAt);
      if (!found) return false;
      save(keys.map((r) => (r === found ? { ...r, revokedAt: new Date().toISOString() } : r)));
      return true;
    },
    /**
     * Whether auth is on: once any key was made, even if every key is revoked since. Revoking the last key must
     * lock the server, never open it.
     */
    enabled: () => records().length > 0,
    /** The principal of a presented key; compares with every hash so timing tells nothing. */
    authenticate(presented: string): ScopedPrincipal | undefined {
      const found = findByKeyHash(presented, active().map((r) => ({ sha256: Buffer.from(r.sha256, 'hex'), value: r })));
      return found && principal(found);
    },
    /** The key itself for SigV4 verification (access key id = key name); undefined when unknown or revoked. */
    secretFor(name: string): string | undefined {
      const r = active().find((k) => k.name === name);
      const secret = r && serverSecret(false);
      if (!r || !secret) return undefined;
      const key = derive(secret, r);
      // A secret file replaced since the key was made must not make a different key valid.
      return createHash('sha256').update(key).digest('hex') === r.sha256 ? key : undefined;
    },
    principalFor(name: string): ScopedPrincipal | undefined {
      const r = active().find((k) => k.name === name);
      return r && principal(r);
    },
  };
}

export type KeyStore = ReturnType<typeof openKeyStore>;
