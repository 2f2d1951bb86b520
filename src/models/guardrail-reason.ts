import type { GuardrailAssessment, GuardrailTraceAssessment } from '@aws-sdk/client-bedrock-runtime';

import type { GuardrailIntervention } from '../types.js';

export type { GuardrailIntervention };

/** The policies that fired in one assessment, as short phrases. */
export function assessmentFindings(assessment: GuardrailAssessment): string[] {
  const out: string[] = [];
  const acted = (action: string | undefined, detected: boolean | undefined) => detected !== false && action !== undefined && action !== 'NONE';
  for (const t of assessment.topicPolicy?.topics ?? []) if (acted(t.action, t.detected)) out.push(`denied topic "${t.name}"`);
  for (const f of assessment.contentPolicy?.filters ?? []) if (acted(f.action, f.detected)) out.push(`content filter ${f.type}${f.confidence ? ` (${f.confidence} confidence)` : ''}`);
  for (const w of assessment.wordPolicy?.customWords ?? []) if (acted(w.action, w.detected)) out.push(`denied word "${w.match}"`);
  for (const w of assessment.wordPolicy?.managedWordLists ?? []) if (acted(w.action, w.detected)) out.push(`${w.type?.toLowerCase() ?? 'managed'} word`);
  for (const p of assessment.sensitiveInformationPolicy?.piiEntities ?? []) if (acted(p.action, p.detected)) out.push(`sensitive information ${p.type}`);
  for (const r of assessment.sensitiveInformationPolicy?.regexes ?? []) if (acted(r.action, r.detected)) out.push(`sensitive pattern "${r.name}"`);
  for (const g of assessment.contextualGroundingPolicy?.filters ?? []) if (acted(g.action, g.detected)) out.push(`contextual grounding ${g.type} below ${g.threshold}`);
  return out;
}

/** The intervention a Converse guardrail trace describes; a trace that names no policy still says it intervened. */
export function interventionFromTrace(trace: GuardrailTraceAssessment | undefined): GuardrailIntervention {
  const input = Object.values(trace?.inputAssessment ?? {}).flatMap(assessmentFindings);
  const output = Object.values(trace?.outputAssessments ?? {}).flat().flatMap(assessmentFindings);
  const source = input.length > 0 || output.length === 0 ? 'input' : 'output';
  const findings = source === 'input' ? input : output;
  const reason = findings.length > 0 ? findings.join('; ') : (trace?.actionReason ?? 'The guardrail intervened; enable its trace (answer.guardrail.trace) to see why.');
  return { action: 'intervened', source, reason };
}
