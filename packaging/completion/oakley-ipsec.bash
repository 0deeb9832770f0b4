# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for oakley-ipsec(8) (also when it is installed as `ipsec`).
_oakley_ipsec()
{
    local cur prev words cword
    _init_completion || return
    # the verbs of `oakley-ipsec --help`, in its order (tests/netns/ipsec-cmd.sh compares them)
    local verbs="up down route unroute status statusall reload update rereadsecrets rereadall secrets start stop restart version --version auto whack trafficstatus shuntstatus verify"
    local i verb="" socket=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --socket) socket=${words[i + 1]}; ((i++)) ;;
        -*) ;;
        *) verb=${words[i]}; break ;;
        esac
    done
    if [[ $prev == --socket ]]; then
        _filedir
        return
    fi
    if [[ -z $verb ]]; then
        COMPREPLY=($(compgen -W "$verbs --socket --help" -- "$cur"))
        return
    fi
    local conns
    conns=$(oakley ${socket:+--socket "$socket"} list-conns 2>/dev/null |
        sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_.-]*\):.*/\1/p')
    case $verb in
    up | down | route | unroute | status | statusall)
        [[ $((cword - i)) -eq 1 ]] && COMPREPLY=($(compgen -W "$conns" -- "$cur"))
        ;;
    auto)
        if [[ $((cword - i)) -eq 1 ]]; then
            COMPREPLY=($(compgen -W "--up --down --add --delete --replace --route --unroute --rereadsecrets --rereadall --status" -- "$cur"))
        elif [[ $((cword - i)) -eq 2 ]]; then
            COMPREPLY=($(compgen -W "$conns" -- "$cur"))
        fi
        ;;
    whack)
        [[ $((cword - i)) -eq 1 ]] &&
            COMPREPLY=($(compgen -W "--trafficstatus --status --shuntstatus" -- "$cur"))
        ;;
    esac
}
complete -F _oakley_ipsec oakley-ipsec ipsec
