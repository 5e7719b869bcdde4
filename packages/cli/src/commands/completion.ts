/**
 * `tranche completion bash|zsh|fish`: a completion script built from the command table (commands, their
 * flags, and local files for arguments). Install: `tranche completion bash > /etc/bash_completion.d/tranche`,
 * `tranche completion zsh > "${fpath[1]}/_tranche"`, `tranche completion fish > ~/.config/fish/completions/tranche.fish`.
 */
import type { Command } from 'commander';
import { CliError, EXIT, type Io } from '../io.js';

export function completion(shell: string, program: Command, io: Io): void {
  const commands = program.commands.filter((c) => c.name() !== 'help').map((c) => ({
    name: c.name(),
    about: c.description().split('\n')[0]!.replace(/'/g, ''),
    flags: c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
  }));
  const names = commands.map((c) => c.name).join(' ');
  if (shell === 'bash') {
    const cases = commands.map((c) => `    ${c.name}) opts="${c.flags.join(' ')} --help" ;;`).join('\n');
    io.stdout.write(`# tranche completion for bash
_tranche() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${names}" -- "$cur") ); return; fi
  case "$cmd" in
${cases}
    *) opts="--help" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -o filenames -F _tranche tranche
`);
    return;
  }
  if (shell === 'zsh') {
    const list = commands.map((c) => `    '${c.name}:${c.about.replace(/:/g, '\\:')}'`).join('\n');
    const cases = commands.map((c) => `    ${c.name}) _arguments ${c.flags.map((f) => `'${f}[]'`).join(' ')} '*:file:_files' ;;`).join('\n');
    io.stdout.write(`#compdef tranche
# tranche completion for zsh
_tranche() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi
  case $words[2] in
${cases}
  esac
}
compdef _tranche tranche
`);
    return;
  }
  if (shell === 'fish') {
    const lines = [`# tranche completion for fish`, `complete -c tranche -f -n '__fish_use_subcommand' -a '${names}'`];
    for (const c of commands) {
      lines.push(`complete -c tranche -n '__fish_use_subcommand' -a ${c.name} -d '${c.about}'`);
      for (const flag of c.flags.filter((f) => f.startsWith('--'))) lines.push(`complete -c tranche -n '__fish_seen_subcommand_from ${c.name}' -l ${flag.slice(2)}`);
    }
    io.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  throw new CliError(`completion: the shell is bash, zsh or fish, got ${JSON.stringify(shell)}`, EXIT.usage);
}
