/**
 * Profiles: `config.json` in the platform's config directory ($TRANCHE_CONFIG overrides the file), holding
 * `{ "profiles": { "default": { "server": …, "token": … }, "work": { … } } }`. Keys are the long flag names
 * (`server`, `token`, `api-url`, `parallel`, `transfers`, `bwlimit`, …). Precedence: flag, then environment,
 * then the profile (`--profile NAME` / TRANCHE_PROFILE, default `default`).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

export interface ConfigFile {
  profiles: Record<string, Record<string, string>>;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TRANCHE_CONFIG']) return path.resolve(env['TRANCHE_CONFIG']);
  return path.join(configDir(env), 'tranche', 'config.json');
}

/** XDG on Linux, Application Support on macOS, %APPDATA% on Windows. */
function configDir(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return env['APPDATA'] || path.join(homedir(), 'AppData', 'Roaming');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support');
  return env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config');
}

export async function readConfig(file = configPath()): Promise<ConfigFile> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<ConfigFile>;
    return { profiles: typeof value.profiles === 'object' && value.profiles !== null ? value.profiles : {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** Written to a temp file and renamed; mode 0600 (it may hold a token). */
export async function writeConfig(config: ConfigFile, file = configPath()): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** camelCase option key (commander's) of a long flag name: `api-url` → `apiUrl`. */
export function optionKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
