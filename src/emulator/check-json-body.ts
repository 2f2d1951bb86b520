import { malformedInput } from './service-error.js';

/** The subset of JSON Schema the emulated model bodies need. */
export interface FieldSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'any';
  required?: boolean;
  enum?: readonly unknown[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  items?: FieldSpec;
}

/**
 * Throws the ValidationException Bedrock sends for a body that breaks the model's input schema, worded like the
 * service's schema validator ("#/texts/0: expected maxLength: 2048, actual: 2449"), or returns the body as a record.
 */
export function checkJsonBody(body: unknown, fields: Record<string, FieldSpec>): Record<string, unknown> {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformedInput([`#: expected type: JSONObject, found: ${jsonType(body)}`]);
  }
  const record = body as Record<string, unknown>;
  for (const [key, spec] of Object.entries(fields)) {
    if (spec.required && !(key in record)) problems.push(`#: required key [${key}] not found`);
  }
  for (const [key, value] of Object.entries(record)) {
    const spec = fields[key];
    if (!spec) problems.push(`#: extraneous key [${key}] is not permitted`);
    else checkValue(`#/${key}`, value, spec, problems);
  }
  if (problems.length > 0) throw malformedInput(problems);
  return record;
}

function checkValue(path: string, value: unknown, spec: FieldSpec, problems: string[]): void {
  if (!matchesType(value, spec.type)) {
    problems.push(`${path}: expected type: ${schemaTypeName(spec.type)}, found: ${jsonType(value)}`);
    return;
  }
  if (spec.enum && !spec.enum.includes(value)) problems.push(`${path}: ${String(value)} is not a valid enum value`);
  if (typeof value === 'string') {
    if (spec.minLength !== undefined && value.length < spec.minLength) {
      problems.push(`${path}: expected minLength: ${spec.minLength}, actual: ${value.length}`);
    }
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      problems.push(`${path}: expected maxLength: ${spec.maxLength}, actual: ${value.length}`);
    }
  }
  if (Array.isArray(value)) {
    if (spec.maxItems !== undefined && value.length > spec.maxItems) {
      problems.push(`${path}: expected maxItems: ${spec.maxItems}, actual: ${value.length}`);
    }
    if (spec.items) value.forEach((item, i) => checkValue(`${path}/${i}`, item, spec.items!, problems));
  }
}

function matchesType(value: unknown, type: FieldSpec['type']): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function schemaTypeName(type: FieldSpec['type']): string {
  const names = { string: 'String', integer: 'Integer', number: 'Number', boolean: 'Boolean', array: 'JSONArray', object: 'JSONObject', any: 'Any' };
  return names[type];
}

function jsonType(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
  if (typeof value === 'object') return 'JSONObject';
  return typeof value === 'string' ? 'String' : typeof value === 'boolean' ? 'Boolean' : 'Unknown';
}
