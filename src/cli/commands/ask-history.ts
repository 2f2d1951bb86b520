import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChatTurn } from '../../types.js';

/** The API's limits on `history`, so a history file can be sent to POST /v1/query as it is. */
export const MAX_TURNS = 20;
const MAX_TURN_CHARS = 20_000;

/** The conversation with one more question and its answer, cut to the last MAX_TURNS turns. */
export function withTurn(history: ChatTurn[], question: string, answer: string): ChatTurn[] {
  const turns: ChatTurn[] = [...history, { role: 'user', content: question.slice(0, MAX_TURN_CHARS) }];
  if (answer.trim()) turns.push({ role: 'assistant', content: answer.slice(0, MAX_TURN_CHARS) });
  return turns.slice(-MAX_TURNS);
}

/** Replaces the file in one rename, so an interrupted write never leaves half a conversation. */
export function writeHistory(file: string, turns: ChatTurn[]): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(turns, null, 2)}\n`);
  renameSync(temp, file);
}

export function historyPath(cwd: string, option: unknown): string | undefined {
  return typeof option === 'string' && option ? resolve(cwd, option) : undefined;
}
