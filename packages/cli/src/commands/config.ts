/**
 * `tranche config set KEY VALUE`, `config get KEY`, `config unset KEY`, `config list`, `config path`, each for
 * `--profile NAME` (default "default"). KEY is a long flag name: server, token, api-url, upload-url, parallel,
 * transfers, bwlimit, timeout, retry-delays, state-dir, … A token is stored as given (the file is mode 0600).
 */
import { configPath, readConfig, writeConfig } from '../config-file.js';
import { CliError, EXIT, printJson, type Io } from '../io.js';

export const CONFIG_KEYS = [
  'server', 'token', 'api-url', 'upload-url', 'timeout', 'retry-delays', 'bwlimit', 'parallel', 'transfers', 'connections',
  'min-chunked-size', 'state-dir', 'quiet', 'verbose', 'json',
];

interface ConfigFlags {
  profile?: string | undefined;
  json?: boolean | undefined;
}

export async function config(action: string, args: string[], flags: ConfigFlags, io: Io): Promise<void> {
  const file = configPath();
  const profile = flags.profile ?? 'default';
  const data = await readConfig(file);
  const values = (data.profiles[profile] ??= {});
  const key = args[0]?.replace(/^--/, '');
  const needKey = (): string => {
    if (!key || !CONFIG_KEYS.includes(key)) throw new CliError(`config ${action}: KEY is one of ${CONFIG_KEYS.join(', ')}`, EXIT.usage);
    return key;
  };
  switch (action) {
    case 'set': {
      const k = needKey();
      if (args[1] === undefined) throw new CliError('config set KEY VALUE: the VALUE is missing', EXIT.usage);
      values[k] = args[1];
      await writeConfig(data, file);
      if (flags.json) printJson(io, { event: 'set', profile, key: k, file });
      return;
    }
    case 'unset':
      delete values[needKey()];
      await writeConfig(data, file);
      return;
    case 'get': {
      const value = values[needKey()];
      if (value === undefined) throw new CliError(`${key} is not set in profile ${profile}`, EXIT.notFound);
      io.stdout.write(`${value}\n`);
      return;
    }
    case 'list':
      for (const [name, entries] of Object.entries(data.profiles)) {
        if (flags.profile !== undefined && name !== profile) continue;
        for (const [k, v] of Object.entries(entries)) {
          const shown = k === 'token' ? `${v.slice(0, 6)}…` : v;
          if (flags.json) printJson(io, { profile: name, key: k, value: shown });
          else io.stdout.write(`${name}\t${k}\t${shown}\n`);
        }
      }
      return;
    case 'path':
      io.stdout.write(`${file}\n`);
      return;
    default:
      throw new CliError(`config: unknown action ${JSON.stringify(action)} (set, get, unset, list, path)`, EXIT.usage);
  }
}
