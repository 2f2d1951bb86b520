import type { Comparison, RetrievalFilter } from '../collections/retrieval-filter.js';

/**
 * A SQLite WHERE fragment over `documents d` for a Bedrock-style RetrievalFilter on a document's attributes:
 * its front matter (`d.metadata`), then `path`, `format`, `tags` and `title`, which front matter cannot
 * override. Same semantics as matchesFilter (src/collections/match-filter.ts), its reference in the tests:
 * a missing attribute fails every comparison but notEquals and notIn; types must match (1 is not "1").
 * Every attribute is read as JSON text, so its JSON type is known; keys and values are bound parameters.
 */
export function whereSql(filter: RetrievalFilter, params: unknown[]): string {
  if ('andAll' in filter) return `(${filter.andAll.map((f) => whereSql(f, params)).join(' AND ')})`;
  if ('orAll' in filter) return `(${filter.orAll.map((f) => whereSql(f, params)).join(' OR ')})`;
  const [op, { key, value }] = Object.entries(filter)[0] as [Comparison, { key: string; value: unknown }];
  // Placeholders are positional: every piece is written, and binds its parameters, in the text's order.
  const j = () => attributeJson(key, params);
  const bind = (v: unknown) => (params.push(v), '?');
  switch (op) {
    case 'equals':
      return yes(equalsJson(j, value, bind));
    case 'notEquals':
      return `NOT ${yes(equalsJson(j, value, bind))}`;
    case 'greaterThan':
    case 'greaterThanOrEquals':
    case 'lessThan':
    case 'lessThanOrEquals':
      if (typeof value !== 'number') return '0';
      return yes(`json_type(${j()}) IN ('integer', 'real') AND json_extract(${j()}, '$') ${SQL_OPERATOR[op]} ${bind(value)}`);
    case 'in':
      return Array.isArray(value) && value.length ? `(${value.map((v) => yes(equalsJson(j, v, bind))).join(' OR ')})` : '0';
    case 'notIn':
      return Array.isArray(value) && value.length ? `NOT (${value.map((v) => yes(equalsJson(j, v, bind))).join(' OR ')})` : '1';
    case 'startsWith':
      if (typeof value !== 'string') return '0';
      return yes(`json_type(${j()}) = 'text' AND substr(json_extract(${j()}, '$'), 1, ${bind(value.length)}) = ${bind(value)}`);
    case 'listContains':
      return yes(`json_type(${j()}) = 'array' AND EXISTS (SELECT 1 FROM json_each(${j()}) e WHERE ${elementEquals(value, bind)})`);
    case 'stringContains':
      if (typeof value !== 'string') return '0';
      return yes(`(json_type(${j()}) = 'text' AND instr(json_extract(${j()}, '$'), ${bind(value)}) > 0)
        OR (json_type(${j()}) = 'array' AND EXISTS (SELECT 1 FROM json_each(${j()}) e WHERE e.type = 'text' AND instr(e.value, ${bind(value)}) > 0))`);
  }
}

const SQL_OPERATOR = { greaterThan: '>', greaterThanOrEquals: '>=', lessThan: '<', lessThanOrEquals: '<=' } as const;

/** NULL (a missing attribute) counts as false, also under NOT. */
const yes = (condition: string) => `coalesce((${condition}), 0)`;

/** The attribute as JSON text, NULL when the document has none. */
function attributeJson(key: string, params: unknown[]): string {
  switch (key) {
    case 'path':
      return 'json_quote(d.path)';
    case 'format':
      return 'json_quote(d.format)';
    case 'tags':
      return 'd.tags';
    case 'title':
      params.push(key);
      return `(CASE WHEN coalesce(d.title, '') <> '' THEN json_quote(d.title) ELSE ${metadataJson()} END)`;
    default:
      params.push(key);
      return metadataJson();
  }
}

/** json_each gives the key's own escaped path (`fullkey`), so no key needs quoting here. */
const metadataJson = () => `(d.metadata -> (SELECT fullkey FROM json_each(d.metadata) WHERE key = ?))`;

/** Equality of the attribute (JSON text from `j`) with a scalar, by type as JavaScript's === does; a list or object never equals. */
function equalsJson(j: () => string, value: unknown, bind: (v: unknown) => string): string {
  if (typeof value === 'string') return `json_type(${j()}) = 'text' AND json_extract(${j()}, '$') = ${bind(value)}`;
  if (typeof value === 'number') return `json_type(${j()}) IN ('integer', 'real') AND json_extract(${j()}, '$') = ${bind(value)}`;
  if (typeof value === 'boolean') return `json_type(${j()}) = '${value}'`;
  if (value === null) return `json_type(${j()}) = 'null'`;
  return '0';
}

/** The same for an element `e` of json_each. */
function elementEquals(value: unknown, bind: (v: unknown) => string): string {
  if (typeof value === 'string') return `e.type = 'text' AND e.value = ${bind(value)}`;
  if (typeof value === 'number') return `e.type IN ('integer', 'real') AND e.value = ${bind(value)}`;
  if (typeof value === 'boolean') return `e.type = '${value}'`;
  if (value === null) return `e.type = 'null'`;
  return '0';
}
