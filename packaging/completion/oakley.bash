# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for oakley(8), the control tool of oakleyd.
_oakley_conns()
{
    # Connection names from the daemon; quiet when it is not running or not reachable.
    oakley ${1:+--socket "$1"} list-conns 2>/dev/null |
        sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_.-]*\):.*/\1/p'
}

_oakley()
{
    local cur prev words cword
    _init_completion || return
    # Every command of oakley's table (tools/oakley/main.c), and those that take a connection
    # name; tests/unit/tools/completion.sh checks both against `oakley --help`.
    local commands="up down status list-conns list-sas list-certs reload rekey explain metrics reauth log version"
    local named="up down status list-sas rekey explain reauth"
    local socket="" i cmd="" nargs=0 optend=""
    # Options may come anywhere on the line (until --): skip them to find the command.
    for ((i = 1; i < cword; i++)); do
        if [[ -n $optend ]]; then
            [[ -z $cmd ]] && cmd=${words[i]} || ((nargs++))
            continue
        fi
        case ${words[i]} in
        --) optend=1 ;;
        --socket | -s) socket=${words[i + 1]}; ((i++)) ;;
        --socket=*) socket=${words[i]#--socket=} ;;
        -*) ;;
        *) [[ -z $cmd ]] && cmd=${words[i]} || ((nargs++)) ;;
        esac
    done
    if [[ -z $optend && ($prev == --socket || $prev == -s) ]]; then
        _filedir
        return
    fi
    if [[ -z $optend && $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--socket --json --help" -- "$cur"))
        return
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    if [[ " $named " == *" $cmd "* && $nargs -eq 0 ]]; then
        COMPREPLY=($(compgen -W "$(_oakley_conns "$socket")" -- "$cur"))
    fi
} && complete -F _oakley oakley
