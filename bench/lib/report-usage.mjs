/**
 * Preloaded with `node --import` into a client process: at exit, writes the process's own CPU time and peak
 * RSS to $BENCH_USAGE_FILE, so the bench gets the client's cost without sampling /proc from outside.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  delete process.env.BENCH_USAGE_FILE;
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, peakRssBytes: usage.maxRSS * 1024 }));
  });
}
