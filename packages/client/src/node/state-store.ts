/**
 * The resume store on disk: one JSON file per interrupted upload in `~/.tranche/uploads/` (or $TRANCHE_STATE_DIR,
 * or the `dir` option), named by a hash of the resume key. Writes go to a temp file and are renamed into place,
 * so a crash never leaves half a state file.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ResumeStore, UploadState } from '../core/index.js';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['TRANCHE_STATE_DIR'] || path.join(homedir(), '.tranche', 'uploads');
}

export interface FileResumeStore extends ResumeStore {
  readonly dir: string;
  /** The file a key's state lives in. */
  fileFor(key: string): string;
}

export function fileResumeStore(dir: string = defaultStateDir()): FileResumeStore {
  const fileFor = (key: string): string => path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  const read = async (file: string): Promise<UploadState | undefined> => {
    try {
      const state = JSON.parse(await readFile(file, 'utf8')) as UploadState;
      return state?.version === 1 && typeof state.key === 'string' ? state : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  };
  return {
    dir,
    fileFor,
    async get(key) {
      const state = await read(fileFor(key));
      return state?.key === key ? state : undefined;
    },
    async set(key, state) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = fileFor(key);
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, file);
    },
    async remove(key) {
      const file = fileFor(key);
      await rm(file, { force: true });
      await removeOrphans(dir, path.basename(file));
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const states = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => read(path.join(dir, n))));
      return states.filter((s): s is UploadState => s !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
  };
}

/** Temp files left by a process killed mid-write (`<name>.<pid>.<time>.tmp` whose pid is gone). */
async function removeOrphans(dir: string, name: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const entry of names) {
    const pid = Number(entry.startsWith(`${name}.`) && entry.endsWith('.tmp') ? entry.split('.')[2] : NaN);
    if (Number.isInteger(pid) && !alive(pid)) await rm(path.join(dir, entry), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
