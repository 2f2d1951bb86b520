import { z } from 'zod';
import type { ChatReply } from './claude-routes.js';
import { ServiceError, validationError } from './service-error.js';

/** One emulated guardrail: it blocks any text containing one of its denied words (whole word, any case). */
export interface EmulatedGuardrail {
  deniedWords: string[];
  blockedInputMessage?: string;
  blockedOutputMessage?: string;
}

/** A guardrail id the emulator was not configured with denies this word, so tests and demos need no setup. */
export const DEFAULT_DENIED_WORD = 'guardrail-test-marker';
const BLOCKED_INPUT = 'Sorry, the model cannot answer this question.';
const BLOCKED_OUTPUT = 'Sorry, the model cannot answer this question.';
const VERSION = /^(([1-9][0-9]{0,7})|(DRAFT))$/;

function policyOf(guardrails: Record<string, EmulatedGuardrail>, id: string, version: unknown): EmulatedGuardrail {
  if (typeof version !== 'string' || !VERSION.test(version)) {
    throw validationError(`1 validation error detected: Value '${String(version)}' at 'guardrailVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: ${VERSION.source}`);
  }
  return guardrails[id] ?? { deniedWords: [DEFAULT_DENIED_WORD] };
}

/** The wordPolicy assessment of a text, or undefined when no denied word occurs in it. */
function assess(text: string, policy: EmulatedGuardrail) {
  const lower = text.toLowerCase();
  const hits = policy.deniedWords.filter((w) => new RegExp(`(^|[^\\p{L}\\p{N}-])${escape(w.toLowerCase())}($|[^\\p{L}\\p{N}-])`, 'u').test(lower));
  if (hits.length === 0) return undefined;
  return {
    wordPolicy: { customWords: hits.map((match) => ({ match, action: 'BLOCKED', detected: true })), managedWordLists: [] },
    invocationMetrics: { guardrailProcessingLatency: 1, usage: usageFor(text), guardrailCoverage: { textCharacters: { guarded: text.length, total: text.length } } },
  };
}

function usageFor(text: string) {
  const units = Math.max(1, Math.ceil(text.length / 1000));
  return { topicPolicyUnits: 0, contentPolicyUnits: 0, wordPolicyUnits: units, sensitiveInformationPolicyUnits: 0, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 };
}

function escape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** The text a guardrail evaluates in a Converse body: its guardContent blocks when there are any, else every message's text. */
function guardedText(body: { messages?: Array<{ content?: Array<{ text?: unknown; guardContent?: { text?: { text?: unknown } } }> }> }): string {
  const blocks = (body.messages ?? []).flatMap((m) => m.content ?? []);
  const guarded = blocks.map((b) => b.guardContent?.text?.text).filter((t): t is string => typeof t === 'string');
  return (guarded.length > 0 ? guarded : blocks.map((b) => b.text).filter((t): t is string => typeof t === 'string')).join('\n');
}

/**
 * Converse with `guardrailConfig`: the input is assessed first (an intervention means the model is not called),
 * then the model's reply. On intervention the reply becomes the guardrail's message with stopReason
 * `guardrail_intervened`, and, unless trace is "disabled", the trace Converse returns.
 */
export function guardConverse(body: unknown, reply: ChatReply, guardrails: Record<string, EmulatedGuardrail>): ChatReply {
  const config = (body as { guardrailConfig?: { guardrailIdentifier?: unknown; guardrailVersion?: unknown; trace?: unknown } }).guardrailConfig;
  if (!config) return reply;
  if (typeof config.guardrailIdentifier !== 'string' || config.guardrailIdentifier.length === 0) throw validationError('guardrailConfig.guardrailIdentifier is required.');
  const id = config.guardrailIdentifier;
  const policy = policyOf(guardrails, id, config.guardrailVersion);
  const traced = config.trace === 'enabled' || config.trace === 'enabled_full';
  const input = assess(guardedText(body as Parameters<typeof guardedText>[0]), policy);
  if (input) {
    const text = policy.blockedInputMessage ?? BLOCKED_INPUT;
    return { ...reply, text, stopReason: 'guardrail_intervened', outputTokens: 0, ...(traced ? { trace: { guardrail: { inputAssessment: { [id]: input } } } } : {}) };
  }
  const output = assess(reply.text, policy);
  if (!output) return traced ? { ...reply, trace: { guardrail: { inputAssessment: { [id]: {} }, outputAssessments: { [id]: [{}] } } } } : reply;
  const text = policy.blockedOutputMessage ?? BLOCKED_OUTPUT;
  return {
    ...reply,
    text,
    stopReason: 'guardrail_intervened',
    ...(traced ? { trace: { guardrail: { inputAssessment: { [id]: {} }, outputAssessments: { [id]: [output] }, ...(config.trace === 'enabled_full' ? { modelOutput: [reply.text] } : {}) } } } : {}),
  };
}

const applyBody = z.object({
  source: z.enum(['INPUT', 'OUTPUT']),
  content: z.array(z.object({ text: z.object({ text: z.string(), qualifiers: z.array(z.enum(['grounding_source', 'query', 'guard_content'])).optional() }) })).min(1),
  outputScope: z.enum(['INTERVENTIONS', 'FULL']).optional(),
});

/** ApplyGuardrail (POST /guardrail/{id}/version/{version}/apply) against one emulated guardrail. */
export function applyGuardrail(id: string, version: string, body: unknown, guardrails: Record<string, EmulatedGuardrail>): unknown {
  const parsed = applyBody.safeParse(body);
  if (!parsed.success) {
    throw new ServiceError('ValidationException', 400, `${parsed.error.issues.length} validation error(s) detected: ${parsed.error.issues.map((i) => `Value at '${i.path.join('.')}' failed to satisfy constraint: ${i.message}`).join('; ')}`);
  }
  const policy = policyOf(guardrails, id, version);
  const text = parsed.data.content.map((c) => c.text.text).join('\n');
  const assessment = assess(text, policy);
  const usage = usageFor(text);
  if (!assessment) return { usage, action: 'NONE', outputs: [], assessments: [{}] };
  const message = parsed.data.source === 'INPUT' ? (policy.blockedInputMessage ?? BLOCKED_INPUT) : (policy.blockedOutputMessage ?? BLOCKED_OUTPUT);
  return { usage, action: 'GUARDRAIL_INTERVENED', actionReason: 'Guardrail blocked.', outputs: [{ text: message }], assessments: [assessment] };
}
