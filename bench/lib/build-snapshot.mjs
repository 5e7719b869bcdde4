/**
 * Copies the built packages (dist/ and package.json of each workspace package) into the scratch dir and runs
 * every Tranche process from that copy, so one bench run measures one build even when the tree is rebuilt
 * meanwhile. Dependencies are shared: the copy's node_modules links to each entry of the repository's
 * node_modules, except @tranche/*, which point at the copies.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

const PACKAGES = ['protocol', 'client', 'web', 'server', 'cli'];

export async function snapshotBuild(scratchDir) {
  const root = path.join(scratchDir, 'build-snapshot');
  for (const name of PACKAGES) {
    const from = path.join(REPO_ROOT, 'packages', name);
    const to = path.join(root, 'packages', name);
    await mkdir(to, { recursive: true });
    await cp(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
    await cp(path.join(from, 'package.json'), path.join(to, 'package.json'));
  }
  const modules = path.join(root, 'node_modules');
  await mkdir(path.join(modules, '@tranche'), { recursive: true });
  for (const entry of await readdir(path.join(REPO_ROOT, 'node_modules'))) {
    if (entry === '@tranche' || entry === '.bin') continue;
    await symlink(path.join(REPO_ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  for (const name of PACKAGES) await symlink(path.join(root, 'packages', name), path.join(modules, '@tranche', name));
  return { cliBin: path.join(root, 'packages/cli/dist/bin.js'), describe: describeTree() };
}

/** The commit the build came from, and whether packages/ had uncommitted changes then. */
function describeTree() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return '';
    }
  };
  const head = git('log', '-1', '--format=%h %s');
  const dirty = git('status', '--porcelain', '--', 'packages').split('\n').filter(Boolean).length;
  return `${head || 'unknown commit'}${dirty ? ` + uncommitted changes in ${dirty} file(s) under packages/` : ''}; built output copied at the start of the run`;
}
