/**
 * `--config FILE`: settings from a TOML file, under environment variables and flags. Precedence, highest first:
 * flags > environment (TRANCHE_*) > config file > defaults. Keys are the long flag names without the dashes
 * (`port = 8080`, `data-dir = "/var/lib/tranche"`); a key that is no flag of `tranche serve` is an error, so a typo
 * never passes silently. Admin commands read the same file and take the keys they have (`data-dir`, `database`,
 * `blob`, …), ignoring serve-only ones.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';

/** Keys that make sense only on the command line. */
const NOT_IN_FILE = new Set(['config', 'print-config', 'json', 'help']);
/** Values masked by --print-config. */
const SECRET_KEYS = /key|secret|token|password/i;

/** Adds `--config FILE` to a command and applies the file before its action runs. */
export function withConfigFile(command: Command, serveKeys: () => Set<string>): Command {
  command.addOption(new Option('--config <file>', 'read settings from this TOML file (flags and TRANCHE_* variables win over it)').env('TRANCHE_CONFIG'));
  command.hook('preAction', async (cmd) => {
    const file = cmd.getOptionValue('config') as string | undefined;
    if (file) applyConfig(cmd, await readConfig(file), serveKeys());
  });
  return command;
}

export async function readConfig(file: string): Promise<Record<string, unknown>> {
  if (!/\.toml$/i.test(file)) throw new Error(`--config ${file}: only TOML files (.toml) are read`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--config ${file}: ${(error as Error).message}`);
  }
  // Loaded only when a file is given: every server command starts a little faster without it.
  const { parse } = await import('smol-toml');
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--config ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Sets each key the command has, unless a flag or the environment already set it; refuses unknown keys. */
export function applyConfig(cmd: Command, config: Record<string, unknown>, serveKeys: Set<string>): void {
  const byKey = new Map(cmd.options.filter((o) => o.long).map((o) => [o.long!.slice(2), o]));
  const unknown = Object.keys(config).filter((key) => NOT_IN_FILE.has(key) || !(serveKeys.has(key) || byKey.has(key)));
  if (unknown.length > 0) throw new Error(`--config: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (keys are serve's flag names, e.g. data-dir)`);
  for (const [key, raw] of Object.entries(config)) {
    const option = byKey.get(key);
    if (!option) continue; // a serve setting this command has no use for
    const attribute = option.attributeName();
    const source = cmd.getOptionValueSource(attribute);
    if (source !== undefined && source !== 'default' && source !== 'config') continue;
    if (typeof raw === 'object' && raw !== null) throw new Error(`--config: ${key} must be a string, number or boolean`);
    let value: unknown = raw;
    if (option.isBoolean()) {
      if (typeof raw !== 'boolean') throw new Error(`--config: ${key} must be true or false`);
    } else if (option.parseArg) {
      try {
        value = option.parseArg(String(raw), undefined);
      } catch (error) {
        throw new Error(`--config: ${key}: ${(error as Error).message}`);
      }
    } else {
      value = String(raw);
    }
    cmd.setOptionValueWithSource(attribute, value, 'config');
  }
}

/** The effective settings of a command as TOML, each with where it came from; secrets masked. */
export function printableConfig(cmd: Command): string {
  const lines = ['# effective configuration: flag > env > config file > default'];
  for (const option of cmd.options) {
    const key = option.long?.slice(2);
    if (!key || NOT_IN_FILE.has(key)) continue;
    const attribute = option.attributeName();
    const value = cmd.getOptionValue(attribute) as unknown;
    const source = cmd.getOptionValueSource(attribute) ?? 'unset';
    if (value === undefined) {
      lines.push(`# ${key} = (unset)`);
      continue;
    }
    lines.push(`${key} = ${toml(mask(key, value))}  # ${source}`);
  }
  return lines.join('\n');
}

function mask(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (SECRET_KEYS.test(key)) return '***';
  return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function toml(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
