/**
 * The refusal gate, calibrated with `npm run eval:refusal -- /work/shared/eval-data` (bench/eval-refusal.ts):
 * a source must cover at least MIN_COVERAGE of the question, and a question whose weight lies for
 * MAX_UNKNOWN_SHARE or more on terms the knowledge base never mentions is covered by nothing. Chosen on a
 * calibration half; on the held-out half: out-of-domain refused 96.8% (rag-mini-wikipedia questions and trivia over the
 * Kendra guide and the demo data, SciFact claims over the Kendra guide and Wikipedia), in-domain refused 3.2%
 * (rag-mini-wikipedia questions on their passages, SciFact claims on SciFact, the demo questions on the demo data).
 */
export const MIN_COVERAGE = 0.34;
export const MAX_UNKNOWN_SHARE = 0.46;
