import type { Role } from '../server/api-keys.js';
import type { Collection, CollectionCatalog } from './collection-catalog.js';

/** Roles per collection name; `*` applies to every collection not named. */
export type Scopes = Record<string, Role>;

/** Who is calling: the key's name (for audit lines) and what it may do. */
export interface ScopedPrincipal {
  name: string;
  scopes: Scopes;
  /**
   * Access tags of a key-store key: it sees documents without `access` front matter, and those whose `access`
   * names one of these (`*`: every document). Absent: every document (REST keys, auth off).
   */
  access?: string[];
}

/** With auth off every caller may do everything, as on the REST routes. */
export const ANONYMOUS_PRINCIPAL: ScopedPrincipal = { name: 'anonymous', scopes: { '*': 'admin' } };

/** The store filter for a principal's access tags: undefined when it may see every document. */
export function accessFilter(principal: Pick<ScopedPrincipal, 'access'>): string[] | undefined {
  return principal.access && !principal.access.includes('*') ? principal.access : undefined;
}

export function roleIn(principal: ScopedPrincipal, collection: string): Role | undefined {
  return principal.scopes[collection] ?? principal.scopes['*'];
}

export function mayRead(principal: ScopedPrincipal, collection: string): boolean {
  return roleIn(principal, collection) !== undefined;
}

export function mayAdmin(principal: ScopedPrincipal, collection: string): boolean {
  return roleIn(principal, collection) === 'admin';
}

/** The collections a principal may read, in catalog order; the others are not to be named to it. */
export function visibleCollections(catalog: CollectionCatalog, principal: ScopedPrincipal): Collection[] {
  return catalog.list().filter((c) => mayRead(principal, c.name));
}

/**
 * The collection if the principal may read it. Undefined both when it does not exist and when it is out of
 * scope, so callers answer both with the same 404 and a key never learns a collection exists.
 */
export function readableCollection(catalog: CollectionCatalog, principal: ScopedPrincipal, name: string): Collection | undefined {
  const found = catalog.byName(name);
  return found && mayRead(principal, found.name) ? found : undefined;
}
