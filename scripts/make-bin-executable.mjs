// tsc writes files without the execute bit; `npx kb` runs dist/src/cli/bin.js directly, so it needs it.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/src/cli/bin.js', import.meta.url), 0o755);
