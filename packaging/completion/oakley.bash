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
    local commands="up down status list-conns list-sas reload rekey log version"
    local socket="" i cmd=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --socket) socket=${words[i + 1]}; ((i++)) ;;
        --json | --help | -h) ;;
        -*) ;;
        *) cmd=${words[i]}; break ;;
        esac
    done
    if [[ $prev == --socket ]]; then
        _filedir
        return
    fi
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--socket --json --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi
    case $cmd in
    up | down | rekey | status | list-sas)
        [[ $((cword - i)) -eq 1 ]] &&
            COMPREPLY=($(compgen -W "$(_oakley_conns "$socket")" -- "$cur"))
        ;;
    esac
} && complete -F _oakley oakley
