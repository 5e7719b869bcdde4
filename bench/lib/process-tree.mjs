/** Processes below a given one (Linux /proc), e.g. the browser Playwright started for this process and its helpers. */
import { readdir, readFile } from 'node:fs/promises';
import { cpuSeconds } from './proc-stats.mjs';

async function parentsAndCommands() {
  const table = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      table.set(Number(name), { parent, command });
    } catch {
      // Gone while the table was read.
    }
  }
  return table;
}

/** Every live descendant of `root` whose command line matches `pattern`, with the whole subtree below each. */
export async function descendantsMatching(root, pattern) {
  const table = await parentsAndCommands();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent }] of table) {
      if (below.has(parent) && !below.has(pid)) {
        below.add(pid);
        grew = true;
      }
    }
  }
  below.delete(root);
  return [...below].filter((pid) => pattern.test(table.get(pid).command));
}

/**
 * CPU seconds of each process in `pids` (a process's own figure includes its threads that have ended, such as a
 * terminated Web Worker); processes that have ended count 0.
 */
export async function cpuOf(pids) {
  const seconds = new Map();
  for (const pid of pids) seconds.set(pid, await cpuSeconds(pid).catch(() => 0));
  return seconds;
}

/** CPU seconds the processes spent between two `cpuOf` readings (processes that appeared in between count from 0). */
export function cpuBetween(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
