import type { SearchFilters } from '../../types.js';
import { globRegexSource } from '../compile-glob.js';
import { postgresWhere } from './postgres-where.js';

/**
 * A WHERE fragment over `documents d` for the filters, appending its parameters to `params`. Same semantics
 * as the SQLite store's: prefix of the relative path, glob (the same glob as an anchored regular expression,
 * matched against the stored path and the path inside its folder), any of the formats, every tag (case-insensitive).
 */
export function filterWhere(filters: SearchFilters | undefined, params: unknown[]): string {
  const clauses: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filters?.pathPrefix) clauses.push(`starts_with(d.path, ${param(filters.pathPrefix)})`);
  if (filters?.pathGlob) {
    // Like matchDocumentGlob: the whole stored path, or the path inside the indexed folder.
    const re = param(globRegexSource(filters.pathGlob));
    clauses.push(`(d.path ~ ${re} OR substr(d.path, strpos(d.path, '/') + 1) ~ ${re})`);
  }
  if (filters?.formats?.length) clauses.push(`d.format = ANY(${param(filters.formats)}::text[])`);
  for (const tag of filters?.tags ?? []) clauses.push(`EXISTS (SELECT 1 FROM json_array_elements_text(d.tags) t WHERE lower(t) = lower(${param(tag)}))`);
  if (filters?.where) clauses.push(postgresWhere(filters.where, params));
  if (filters?.visibleTo) {
    // As the SQLite store: `access` a tag or a list; without it, open to every reader of the collection.
    clauses.push(`(d.metadata -> 'access' IS NULL OR EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(d.metadata -> 'access') = 'array' THEN d.metadata -> 'access' ELSE json_build_array(d.metadata -> 'access') END) AS e(value)
      WHERE json_typeof(e.value) = 'string' AND e.value #>> '{}' = ANY(${param(filters.visibleTo)}::text[])))`);
  }
  return clauses.length ? clauses.join(' AND ') : 'true';
}
