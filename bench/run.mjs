/**
 * `npm run bench`: runs the scenarios (bench/scenarios/*.mjs, each `{ name, title, run(ctx) → rows }`) in
 * order, prints the table and writes bench/RESULTS.md. See lib/config.mjs for BENCH_QUICK/BENCH_ONLY/BENCH_DIR.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SCENARIO_ORDER, loadConfig } from './lib/config.mjs';
import { createContext } from './lib/context.mjs';
import { describeMachine } from './lib/machine.mjs';
import { snapshotBuild } from './lib/build-snapshot.mjs';
import { PARTIAL_RESULTS_FILE, REPO_CLI_BIN, RESULTS_FILE, useCli } from './lib/paths.mjs';
import { printTable, writeResults } from './lib/report.mjs';

const config = loadConfig();
await access(REPO_CLI_BIN).catch(() => {
  throw new Error(`${REPO_CLI_BIN} is missing: run \`npm run build\` at the repository root first`);
});

const ownScratch = !config.scratchDir;
const scratchDir = ownScratch ? await mkdtemp(path.join(os.tmpdir(), 'tranche-bench-')) : path.resolve(config.scratchDir);
await mkdir(scratchDir, { recursive: true });
const ctx = createContext(config, scratchDir);
const build = await snapshotBuild(scratchDir);
useCli(build.cliBin);
const machine = describeMachine(scratchDir);
machine['Tranche build'] = build.describe;
const loadAverage = () => os.loadavg().map((load) => load.toFixed(2)).join(', ');
const loadAtStart = loadAverage();
const startedAt = new Date();
const rows = [];
const notes = [];

try {
  for (const name of SCENARIO_ORDER) {
    if (config.only && !config.only.includes(name)) continue;
    const scenario = (await import(`./scenarios/${name}.mjs`)).default;
    const started = performance.now();
    ctx.log(`== ${scenario.title}`);
    try {
      rows.push(...(await scenario.run(ctx)));
    } catch (error) {
      // One broken scenario must not hide the others' figures; it is reported loudly instead.
      const message = `scenario ${name} FAILED: ${error instanceof Error ? error.message : error}`.slice(0, 3000);
      ctx.log(message);
      notes.push(message.replaceAll('\n', ' '));
      process.exitCode = 1;
    }
    ctx.log(`   ${scenario.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  if (ownScratch) await rm(scratchDir, { recursive: true, force: true });
}

notes.push(...ctx.notes);
const durationMs = Date.now() - startedAt.getTime();
machine['load average (1, 5, 15 min)'] = `${loadAtStart} at start, ${loadAverage()} at the end (2 cores: above 2 means other work was queued)`;
process.stdout.write('\n');
printTable(rows);
for (const note of notes) process.stdout.write(`NOTE: ${note}\n`);
const resultsFile = config.quick || config.only ? PARTIAL_RESULTS_FILE : RESULTS_FILE;
const analysis = resultsFile === RESULTS_FILE ? undefined : '_A quick or partial run: the analysis of the full run is in bench/RESULTS.md._';
await writeResults(resultsFile, { analysis, machine, settings: ctx.settings, rows, sections: ctx.sections, notes, startedAt, durationMs, config });
process.stdout.write(`\nwrote ${resultsFile} (${(durationMs / 1000).toFixed(0)} s)\n`);
