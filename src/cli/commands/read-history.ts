import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { historyTurnSchema } from '../../server/schemas.js';
import type { ChatTurn } from '../../types.js';

// Validated with the API's own schema; imported only with --history (zod and the server schemas are ~100 modules).
const historyFileSchema = z.array(historyTurnSchema);

/** The turns in a --history file, oldest first; a missing file is a new conversation. */
export function readHistory(file: string): ChatTurn[] {
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--history ${file}: not a JSON file (${(error as Error).message}). Delete it to start a new conversation.`, { cause: error });
  }
  const parsed = historyFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--history ${file}: ${issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'not a history'}. ` +
        'It must be a JSON array of {"role": "user" | "assistant", "content": "..."} turns; delete it to start a new conversation.',
    );
  }
  return parsed.data;
}
