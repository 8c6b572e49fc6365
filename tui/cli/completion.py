"""`mailtriage completion bash|zsh`: a shell completion script, generated from the parsers.

argcomplete would run Python on every Tab press and is not a dependency; this writes a
plain shell function once, from the same argparse parsers the commands use, so it always
offers the options that exist: `eval "$(mailtriage completion bash)"` in ~/.bashrc (zsh:
`eval "$(mailtriage completion zsh)"` in ~/.zshrc, through zsh's bash-completion layer).
"""
from __future__ import annotations

import argparse
import shlex
import sys

from tui.cli.options import EXIT_OK

SHELLS = ("bash", "zsh")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to write the script for")


def _takes(action: argparse.Action) -> str:
    """What an argument's value is: "file", "dir", "words" (fixed choices) or "" (typed)."""
    if action.choices:
        return "words"
    meta = str(action.metavar or action.dest).upper()
    if meta == "DIR":
        return "dir"
    # FILE, ZONEFILE, PATH, and file-name shapes such as PRIVATE.pem or OUT.tar.gz
    return "file" if "FILE" in meta or meta == "PATH" or "." in meta else ""


class _Spec:
    """One command's completion: its options, which take a path, and its positional."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.options: list[str] = []
        self.path_options: dict[str, str] = {}  # option → "file" | "dir"
        self.value_options: list[str] = []  # options whose value is typed, not completed
        self.positional = ""
        self.words: tuple[str, ...] = ()
        for action in parser._actions:
            takes = _takes(action)
            if not action.option_strings:
                if isinstance(action, argparse._SubParsersAction):
                    continue
                self.positional = takes  # a domain or a selector is typed, not completed
                self.words = tuple(str(c) for c in action.choices or ())
                continue
            self.options += action.option_strings
            if action.nargs == 0:
                continue
            for option in action.option_strings:
                if takes in ("file", "dir"):
                    self.path_options[option] = takes
                else:
                    self.value_options.append(option)


def _specs() -> dict[str, _Spec]:
    from tui.cli import COMMANDS, build_parser
    from tui.cli.app import build_parser as app_parser
    from wizard.scenarios import list_scenarios

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    specs = {name: _Spec(sub.choices[name]) for name in COMMANDS}
    specs["demo"].positional, specs["demo"].words = "words", tuple(s.name for s in list_scenarios())
    specs[""] = _Spec(app_parser())  # `mailtriage [FILE]`: the app
    return specs


_COMPLETE = {
    "file": 'COMPREPLY=($(compgen -f -- "$cur"))',
    "dir": 'COMPREPLY=($(compgen -d -- "$cur"))',
}


def bash_script() -> str:
    from tui.cli import COMMANDS

    specs = _specs()
    commands = " ".join([*COMMANDS, "help", "--help", "--version"])
    cases = []
    for name, spec in specs.items():
        paths = "\n".join(f"                {shlex.quote(o)}) {_COMPLETE[t]}; return;;"
                          for o, t in spec.path_options.items())
        typed = "|".join(shlex.quote(o) for o in spec.value_options)
        positional = (f'COMPREPLY=($(compgen -W {shlex.quote(" ".join(spec.words))} -- "$cur"))'
                      if spec.positional == "words" else _COMPLETE.get(spec.positional, "COMPREPLY=()"))
        cases.append(f"""        {shlex.quote(name) if name else "''"})
            case "$prev" in
{paths}
{f"                {typed}) COMPREPLY=(); return;;" if typed else ""}
            esac
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W {shlex.quote(" ".join(spec.options))} -- "$cur"))
            else
                {positional}
            fi;;""")
    body = "\n".join(cases)
    return f"""# mailtriage completion for bash, written by `mailtriage completion bash`.
# Load it with: eval "$(mailtriage completion bash)"   (e.g. in ~/.bashrc)
_mailtriage() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" cmd=""
    if [ "$COMP_CWORD" -eq 1 ]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W {shlex.quote(" ".join(specs[""].options + ["--version"]))} -- "$cur"))
        else
            # a command, or a file to open the app on
            COMPREPLY=($(compgen -W {shlex.quote(commands)} -- "$cur") $(compgen -f -- "$cur"))
        fi
        return
    fi
    case "${{COMP_WORDS[1]}}" in
        help) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W {shlex.quote(" ".join(COMMANDS))} -- "$cur")); return;;
        {"|".join(COMMANDS)}) cmd="${{COMP_WORDS[1]}}";;
    esac
    case "$cmd" in
{body}
    esac
}}
complete -o filenames -o bashdefault -F _mailtriage mailtriage
"""


def zsh_script() -> str:
    # zsh's bashcompinit runs bash completion functions as they are: one script for both.
    return ("# mailtriage completion for zsh, written by `mailtriage completion zsh`.\n"
            "# Load it with: eval \"$(mailtriage completion zsh)\"   (e.g. in ~/.zshrc)\n"
            "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }\n"
            "autoload -U +X bashcompinit && bashcompinit\n"
            + bash_script().split("\n", 2)[2])


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(bash_script() if args.shell == "bash" else zsh_script())
    return EXIT_OK
