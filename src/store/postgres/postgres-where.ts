import type { Comparison, RetrievalFilter } from '../../collections/retrieval-filter.js';

/**
 * The PostgreSQL translation of a RetrievalFilter over `documents d` (see whereSql for the SQLite one and the
 * semantics): attributes are `json` values (front matter from `d.metadata`, then path, format, tags, title),
 * compared by JSON type; parameters are appended to `params`.
 */
export function postgresWhere(filter: RetrievalFilter, params: unknown[]): string {
  if ('andAll' in filter) return `(${filter.andAll.map((f) => postgresWhere(f, params)).join(' AND ')})`;
  if ('orAll' in filter) return `(${filter.orAll.map((f) => postgresWhere(f, params)).join(' OR ')})`;
  const [op, { key, value }] = Object.entries(filter)[0] as [Comparison, { key: string; value: unknown }];
  const param = (v: unknown) => `$${params.push(v)}`;
  // Bound once, and only by a branch that reads it: every $n sent must be used in the text.
  let attribute: string | undefined;
  const j = () => (attribute ??= attributeJson(key, param));
  switch (op) {
    case 'equals':
      return yes(equalsJson(j, value, param));
    case 'notEquals':
      return `NOT ${yes(equalsJson(j, value, param))}`;
    case 'greaterThan':
    case 'greaterThanOrEquals':
    case 'lessThan':
    case 'lessThanOrEquals':
      if (typeof value !== 'number') return 'false';
      return yes(`json_typeof(${j()}) = 'number' AND (${j()} #>> '{}')::numeric ${SQL_OPERATOR[op]} ${param(value)}::numeric`);
    case 'in':
      return Array.isArray(value) && value.length ? `(${value.map((v) => yes(equalsJson(j, v, param))).join(' OR ')})` : 'false';
    case 'notIn':
      return Array.isArray(value) && value.length ? `NOT (${value.map((v) => yes(equalsJson(j, v, param))).join(' OR ')})` : 'true';
    case 'startsWith':
      if (typeof value !== 'string') return 'false';
      return yes(`json_typeof(${j()}) = 'string' AND starts_with(${j()} #>> '{}', ${param(value)})`);
    case 'listContains':
      return yes(`json_typeof(${j()}) = 'array' AND EXISTS (SELECT 1 FROM json_array_elements(${j()}) e WHERE ${equalsJson(() => 'e.value', value, param)})`);
    case 'stringContains': {
      if (typeof value !== 'string') return 'false';
      const v = param(value);
      return yes(`(json_typeof(${j()}) = 'string' AND strpos(${j()} #>> '{}', ${v}) > 0)
        OR (json_typeof(${j()}) = 'array' AND EXISTS (SELECT 1 FROM json_array_elements(${j()}) e WHERE json_typeof(e.value) = 'string' AND strpos(e.value #>> '{}', ${v}) > 0))`);
    }
  }
}

const SQL_OPERATOR = { greaterThan: '>', greaterThanOrEquals: '>=', lessThan: '<', lessThanOrEquals: '<=' } as const;

/** NULL (a missing attribute) counts as false, also under NOT. */
const yes = (condition: string) => `coalesce((${condition}), false)`;

/** The attribute as a json value, NULL when the document has none. */
function attributeJson(key: string, param: (v: unknown) => string): string {
  switch (key) {
    case 'path':
      return 'to_json(d.path)';
    case 'format':
      return 'to_json(d.format)';
    case 'tags':
      return 'd.tags';
    case 'title':
      return `(CASE WHEN coalesce(d.title, '') <> '' THEN to_json(d.title) ELSE d.metadata -> 'title' END)`;
    default:
      return `(d.metadata -> ${param(key)}::text)`;
  }
}

/** Equality of the json from `j` with a scalar, by type as JavaScript's === does; a list or object never equals. */
function equalsJson(j: () => string, value: unknown, param: (v: unknown) => string): string {
  if (typeof value === 'string') return `json_typeof(${j()}) = 'string' AND ${j()} #>> '{}' = ${param(value)}`;
  if (typeof value === 'number') return `json_typeof(${j()}) = 'number' AND (${j()} #>> '{}')::numeric = ${param(value)}::numeric`;
  if (typeof value === 'boolean') return `json_typeof(${j()}) = 'boolean' AND (${j()} #>> '{}')::boolean = ${param(value)}::boolean`;
  if (value === null) return `json_typeof(${j()}) = 'null'`;
  return 'false';
}
