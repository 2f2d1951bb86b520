import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 as prng } from '../src/seeded-random.js';

const TOPICS = ['billing', 'deployment', 'security', 'onboarding', 'database', 'network', 'storage', 'compliance', 'payroll', 'support', 'monitoring', 'backup', 'travel', 'hiring', 'vendor', 'licensing'];
const WORDS = ('account access agent alert api approval archive audit backlog bandwidth batch budget cache capacity certificate change checklist cluster config contract cost '
  + 'credential customer dashboard deadline dependency device disk domain encryption endpoint escalation export failover firewall forecast gateway incident index invoice '
  + 'latency ledger license limit log manager metric migration mirror notice outage owner patch payment pipeline policy quota queue ratio region release renewal replica '
  + 'report request retention review risk rollout schedule schema secret server service snapshot storage subnet support survey threshold ticket token traffic upgrade vendor volume warranty window workflow').split(' ');

function sentence(rand: () => number, topic: string): string {
  const n = 8 + Math.floor(rand() * 14);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  words.splice(Math.floor(rand() * n), 0, topic, String(Math.floor(rand() * 1000)));
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

/** Writes `files` Markdown documents of about `bytesPerFile` each, with headings, into `dir`. Returns total bytes. */
export function generateCorpus(dir: string, { files = 2000, bytesPerFile = 2500, seed = 7 } = {}): number {
  const rand = prng(seed);
  let total = 0;
  for (let i = 0; i < files; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    const sub = join(dir, topic, String(Math.floor(i / 100)));
    mkdirSync(sub, { recursive: true });
    let text = `---\ntitle: ${topic} note ${i}\ntags: [${topic}]\n---\n# ${topic} note ${i}\n\n`;
    let section = 0;
    while (text.length < bytesPerFile) {
      if (rand() < 0.25) text += `\n## ${topic} section ${++section}\n\n`;
      text += Array.from({ length: 3 + Math.floor(rand() * 4) }, () => sentence(rand, topic)).join(' ') + '\n\n';
    }
    writeFileSync(join(sub, `note-${i}.md`), text);
    total += Buffer.byteLength(text);
  }
  return total;
}
