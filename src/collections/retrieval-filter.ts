import { z } from 'zod';

/**
 * A filter over document attributes, in the shape of Bedrock Knowledge Bases' RetrievalFilter, so a Bedrock
 * request's `vectorSearchConfiguration.filter` is used as it arrives:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_RetrievalFilter.html
 * Exactly one operator per node; `andAll`/`orAll` take 2 to 5 children, as the service requires.
 */
export type RetrievalFilter =
  | { equals: Attribute }
  | { notEquals: Attribute }
  | { greaterThan: Attribute }
  | { greaterThanOrEquals: Attribute }
  | { lessThan: Attribute }
  | { lessThanOrEquals: Attribute }
  | { in: Attribute }
  | { notIn: Attribute }
  | { startsWith: Attribute }
  | { listContains: Attribute }
  | { stringContains: Attribute }
  | { andAll: RetrievalFilter[] }
  | { orAll: RetrievalFilter[] };

export interface Attribute {
  key: string;
  value: unknown;
}

export const COMPARISONS = [
  'equals', 'notEquals', 'greaterThan', 'greaterThanOrEquals', 'lessThan', 'lessThanOrEquals',
  'in', 'notIn', 'startsWith', 'listContains', 'stringContains',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

const attribute = z.strictObject({ key: z.string().min(1).max(100), value: z.unknown() }).refine((a) => a.value !== undefined, 'value is required');

export const retrievalFilterSchema: z.ZodType<RetrievalFilter> = z.lazy(() =>
  z.union([
    ...COMPARISONS.map((op) => z.strictObject({ [op]: attribute })),
    z.strictObject({ andAll: z.array(retrievalFilterSchema).min(2).max(5) }),
    z.strictObject({ orAll: z.array(retrievalFilterSchema).min(2).max(5) }),
  ] as unknown as [z.ZodType<RetrievalFilter>, z.ZodType<RetrievalFilter>]),
);

/** Deepest nesting accepted; the service's own limit is not documented, five levels is what a real filter needs. */
export const MAX_FILTER_DEPTH = 5;

export function filterDepth(filter: RetrievalFilter): number {
  if ('andAll' in filter) return 1 + Math.max(...filter.andAll.map(filterDepth));
  if ('orAll' in filter) return 1 + Math.max(...filter.orAll.map(filterDepth));
  return 1;
}
