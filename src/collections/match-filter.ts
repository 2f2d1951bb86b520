import type { Comparison, RetrievalFilter } from './retrieval-filter.js';

/**
 * Whether a document's attributes pass a filter, with the service's semantics: a missing attribute fails
 * every comparison but notEquals and notIn; `in`/`notIn` take a list; `listContains` asks a list attribute;
 * `stringContains` also looks inside a list attribute's strings. The reference the store translations
 * (SQL) are tested against.
 */
export function matchesFilter(filter: RetrievalFilter, attributes: Record<string, unknown>): boolean {
  if ('andAll' in filter) return filter.andAll.every((f) => matchesFilter(f, attributes));
  if ('orAll' in filter) return filter.orAll.some((f) => matchesFilter(f, attributes));
  const [op, { key, value }] = Object.entries(filter)[0] as [Comparison, { key: string; value: unknown }];
  const actual = attributes[key];
  switch (op) {
    case 'equals':
      return same(actual, value);
    case 'notEquals':
      return !same(actual, value);
    case 'greaterThan':
      return typeof actual === 'number' && typeof value === 'number' && actual > value;
    case 'greaterThanOrEquals':
      return typeof actual === 'number' && typeof value === 'number' && actual >= value;
    case 'lessThan':
      return typeof actual === 'number' && typeof value === 'number' && actual < value;
    case 'lessThanOrEquals':
      return typeof actual === 'number' && typeof value === 'number' && actual <= value;
    case 'in':
      return Array.isArray(value) && value.some((v) => same(actual, v));
    case 'notIn':
      return !Array.isArray(value) || !value.some((v) => same(actual, v));
    case 'startsWith':
      return typeof actual === 'string' && typeof value === 'string' && actual.startsWith(value);
    case 'listContains':
      return Array.isArray(actual) && actual.some((v) => same(v, value));
    case 'stringContains':
      if (typeof value !== 'string') return false;
      if (typeof actual === 'string') return actual.includes(value);
      return Array.isArray(actual) && actual.some((v) => typeof v === 'string' && v.includes(value));
  }
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return false;
  return a === b;
}
