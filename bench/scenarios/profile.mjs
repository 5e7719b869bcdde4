/**
 * "Where the time goes": one more Tranche upload with node --cpu-prof on the server and on the client. The
 * profiles are kept in bench/tmp/profiles/ (git-ignored; open them in Chrome DevTools or speedscope as flame
 * graphs) and summarised into RESULTS.md: self time per category and the top functions, per thread.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { summariseProfile } from '../lib/cpu-profile.mjs';
import { BENCH_DIR } from '../lib/paths.mjs';
import { row } from '../lib/rows.mjs';
import { trancheUpload } from '../lib/upload-runs.mjs';
import { formatSize, mbPerSecond, round } from '../lib/units.mjs';

const PROFILES_DIR = path.join(BENCH_DIR, 'tmp', 'profiles');
const TOP_FUNCTIONS = 12;

function threadLabel(file) {
  const threadId = Number(path.basename(file).split('.')[4]);
  return threadId === 0 ? 'main thread' : `worker thread ${threadId}`;
}

const cell = (text) => (text ? `\`${text.replaceAll('|', '\\|')}\`` : '');
const pct = (part, whole) => `${round((100 * part) / whole)}%`;

function renderProfile(label, summary) {
  const categories = summary.categories
    .filter((c) => c.ms >= 1)
    .map((c) => `| ${c.category} | ${round(c.ms)} | ${c.category.startsWith('idle') ? '' : pct(c.ms, summary.busyMs)} |`);
  const functions = summary.functions
    .filter((f) => f.name !== '(idle)')
    .slice(0, TOP_FUNCTIONS)
    .map((f) => `| ${cell(f.name)} | ${cell(f.where)} | ${cell(f.caller)} | ${f.category} | ${round(f.ms)} | ${pct(f.ms, summary.busyMs)} |`);
  return [
    `**${label}**: ${round(summary.totalMs)} ms profiled, ${round(summary.busyMs)} ms busy (not idle).`,
    '',
    '| category (self time) | ms | % of busy |',
    '| --- | --- | --- |',
    ...categories,
    '',
    '| top functions by self time | where | for Tranche\'s call | category | ms | % of busy |',
    '| --- | --- | --- | --- | --- | --- |',
    ...functions,
    '',
  ].join('\n');
}

async function summariseDir(dir, processLabel) {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error(`no .cpuprofile written under ${dir}`);
  const parts = [];
  for (const name of files) parts.push(renderProfile(`${processLabel}, ${threadLabel(name)}`, await summariseProfile(path.join(dir, name))));
  return parts.join('\n');
}

export default {
  name: 'profile',
  title: 'CPU profiles of one upload (server and client)',
  async run(ctx) {
    const bytes = ctx.sizes.profileBytes;
    const file = await ctx.randomFile(bytes);
    await rm(PROFILES_DIR, { recursive: true, force: true });
    const serverDir = path.join(PROFILES_DIR, 'server');
    const clientDir = path.join(PROFILES_DIR, 'client');
    await mkdir(serverDir, { recursive: true });
    await mkdir(clientDir, { recursive: true });
    ctx.log(`profile: upload of ${formatSize(bytes)} with --cpu-prof on both sides`);
    const run = await trancheUpload(ctx, file, bytes, {
      serverNodeArgs: ['--cpu-prof', '--cpu-prof-dir', serverDir],
      clientNodeArgs: ['--cpu-prof', '--cpu-prof-dir', clientDir],
    });
    const rate = mbPerSecond(bytes, run.wallMs);
    ctx.addSection(
      'Where the time goes (CPU profiles of one upload)',
      [
        `One ${formatSize(bytes)} upload with \`node --cpu-prof\` on the server and on the client (the profiler slows both a little: ${round(rate)} MB/s in this run; ` +
          `server CPU ${round(run.serverCpu, 2)} s, client CPU ${round(run.clientCpu, 2)} s). Self time is the time a function ran its own code, not its callees; ` +
          '"native, outside JS" is V8\'s (program) bucket: time on the thread outside any JS function (syscalls issued from the event loop, libuv, the bindings\' C++ not attributed to a JS caller). ' +
          `Profiles: \`bench/tmp/profiles/{server,client}/*.cpuprofile\` (flame graphs in Chrome DevTools → Performance → Load profile, or speedscope).`,
        '',
        '### Server',
        '',
        await summariseDir(serverDir, 'server'),
        '### Client (tranche upload)',
        '',
        await summariseDir(clientDir, 'client'),
      ].join('\n'),
    );
    return [row('profile', `Tranche upload ${formatSize(bytes)} under --cpu-prof`, round(rate), 'MB/s', { note: 'profiler overhead included; see "Where the time goes"' })];
  },
};
