/**
 * `osprey completion bash|zsh`: a completion script built from the commander tree, so it can not
 * drift from the commands. Completes command and subcommand names, then the options of the
 * command typed so far.
 */
import type { Command } from 'commander';

function words(command: Command): string {
  return [...command.commands.map((c) => c.name()), ...command.options.map((o) => o.long).filter((l): l is string => Boolean(l)), '--help'].join(' ');
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const cases = program.commands.flatMap((c) => [
    `    "${c.name()}") words="${words(c)}" ;;`,
    ...c.commands.map((s) => `    "${c.name()} ${s.name()}") words="${words(s)}" ;;`),
  ]);
  const bash = `_osprey() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases.join('\n')}
    *) words="${words(program)}" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _osprey osprey
`;
  // zsh runs the same function through its bash compatibility layer.
  return shell === 'bash' ? bash : `#compdef osprey\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
