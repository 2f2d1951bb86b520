import type { Role } from '../server/api-keys.js';
import type { Collection, CollectionCatalog } from './collection-catalog.js';

/** Roles per collection name; `*` applies to every collection not named. */
export type Scopes = Record<string, Role>;

/** Who is calling: the key's name (for audit lines) and what it may do. */
export interface ScopedPrincipal {
  name: string;
  scopes: Scopes;
}

/** With auth off every caller may do everything, as on the REST routes. */
export const ANONYMOUS_PRINCIPAL: ScopedPrincipal = { name: 'anonymous', scopes: { '*': 'admin' } };

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
