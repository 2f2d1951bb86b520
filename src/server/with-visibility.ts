import type { SearchFilters } from '../types.js';
import type { Principal } from './auth.js';

/**
 * A request's filters with its key's access tags added (never taken from the request), as the options
 * `{ filters }` the retriever and answerQuestion take; empty when there is nothing to filter.
 */
export function withVisibility(filters: SearchFilters | undefined, principal: Principal | undefined): { filters?: SearchFilters } {
  const visibleTo = principal?.visibleTo;
  if (!visibleTo) return filters ? { filters } : {};
  return { filters: { ...filters, visibleTo } };
}
