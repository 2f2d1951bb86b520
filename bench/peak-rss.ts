import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set, in MB, from /proc (VmHWM belongs to the address space, so it starts afresh
 * in a spawned process; getrusage's maxRSS is carried across exec from the parent on Linux).
 */
export function peakRssMb(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : process.resourceUsage().maxRSS / 1024;
}
