import { compileGlob } from './compile-glob.js';
import type { SearchFilters } from '../types.js';
import { whereSql } from './where-sql.js';

/** A WHERE fragment over `documents d` for the filters, with its parameters. */
export function filterSql(filters: SearchFilters | undefined): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (!filters) return { sql: '1=1', params };
  if (filters.pathPrefix) {
    clauses.push('substr(d.path, 1, ?) = ?');
    params.push(filters.pathPrefix.length, filters.pathPrefix);
  }
  if (filters.pathGlob) {
    compileGlob(filters.pathGlob); // validate now: a bad pattern is the user's error, not a failure inside SQLite
    clauses.push('kb_glob(?, d.path)');
    params.push(filters.pathGlob);
  }
  if (filters.formats?.length) {
    clauses.push(`d.format IN (${filters.formats.map(() => '?').join(',')})`);
    params.push(...filters.formats);
  }
  for (const tag of filters.tags ?? []) {
    clauses.push('EXISTS (SELECT 1 FROM json_each(d.tags) WHERE lower(value) = lower(?))');
    params.push(tag);
  }
  if (filters.where) clauses.push(whereSql(filters.where, params));
  if (filters.visibleTo) {
    // `access` as a tag or a list of tags; a document without it is open to every reader of the collection.
    clauses.push(`(NOT EXISTS (SELECT 1 FROM json_each(d.metadata) WHERE key = 'access')
      OR EXISTS (SELECT 1 FROM json_each(d.metadata) m, json_each(CASE WHEN m.type = 'array' THEN m.value ELSE json_array(m.value) END) e
        WHERE m.key = 'access' AND e.type = 'text' AND e.value IN (${filters.visibleTo.map(() => '?').join(',') || 'NULL'})))`);
    params.push(...filters.visibleTo);
  }
  return { sql: clauses.length ? clauses.join(' AND ') : '1=1', params };
}

export function hasFilters(filters: SearchFilters | undefined): boolean {
  return !!filters && !!(filters.pathPrefix || filters.pathGlob || filters.formats?.length || filters.tags?.length || filters.where || filters.visibleTo);
}
