#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion of oakley (packaging/completion/oakley.bash) against the tool itself: its
# list of commands, and of those that take a connection name, must be those of `oakley --help`
# (the tool's command table), so the two cannot drift; then completions of a few lines, with
# `oakley list-conns` answered by a stand-in. Uses bash-completion's _init_completion when it is
# installed, else a stand-in that sets the same variables.
#
# usage: completion.sh OAKLEY COMPLETION_FILE
set -u
OAKLEY=$1
COMP=$2
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }

help=$("$OAKLEY" --help) || { echo "FAIL: oakley --help" >&2; exit 1; }
tool_cmds=$(awk '/^Commands:/ { f = 1; next } f { print $1 }' <<< "$help" | sorted)
tool_named=$(awk '/^Commands:/ { f = 1; next } f && ($2 == "NAME" || $2 == "[NAME]") { print $1 }' <<< "$help" | sorted)
comp_cmds=$(sed -n 's/^ *local commands="\(.*\)"$/\1/p' "$COMP" | sorted)
comp_named=$(sed -n 's/^ *local named="\(.*\)"$/\1/p' "$COMP" | sorted)
[ -n "$tool_cmds" ] || bad "no commands in oakley --help"
echo "oakley --help: $tool_cmds"
[ "$comp_cmds" = "$tool_cmds" ] || bad "completion commands '$comp_cmds' != the tool's '$tool_cmds'"
[ "$comp_named" = "$tool_named" ] ||
    bad "completion's commands with a NAME '$comp_named' != the tool's '$tool_named'"

# Completions of whole lines.
if [ -r /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
    echo "with bash-completion's _init_completion"
else
    # shellcheck disable=SC2034 # cur and prev are for _oakley
    _init_completion() {
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${words[cword]}
        prev=${words[cword - 1]}
    }
    _filedir() { COMPREPLY=(FILES); }
    echo "with a stand-in _init_completion (bash-completion is not installed)"
fi
# shellcheck source=/dev/null
. "$COMP"
ASKED=$(mktemp) || exit 1
trap 'rm -f "$ASKED"' EXIT
asked_socket() { cat "$ASKED"; }
oakley() { # list-conns, as the daemon would answer; notes the socket asked for (in a subshell)
    printf '%s' "${2:-}" > "$ASKED"
    printf 'pair: IKEv1, no reauthentication, rekeying every 3600s\n  local:  192.0.2.1\nother: IKEv1\n'
}
# complete_line LINE WANT: completes LINE (its last word is the one completed) and compares.
complete_line() {
    local line=$1 want=$2
    read -r -a COMP_WORDS <<< "$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    _oakley
    local got
    got=$(printf '%s ' "${COMPREPLY[@]}" | sorted)
    want=$(sorted <<< "$want")
    [ "$got" = "$want" ] || bad "'$line': got '$got', want '$want'"
}
complete_line "oakley " "$tool_cmds"
complete_line "oakley re" "reauth rekey reload"
complete_line "oakley ex" "explain"
complete_line "oakley m" "metrics"
complete_line "oakley --json reauth p" "pair"
complete_line "oakley explain " "pair other"
complete_line "oakley reauth pair " ""
complete_line "oakley metrics " ""
complete_line "oakley list-conns --j" "--json"
complete_line "oakley status --json " "pair other"
complete_line "oakley --socket /tmp/x.vici up " "pair other"
[ "$(asked_socket)" = /tmp/x.vici ] || bad "conns not asked on --socket's path: '$(asked_socket)'"
complete_line "oakley up -s /tmp/y.vici " "pair other"
[ "$(asked_socket)" = /tmp/y.vici ] || bad "conns not asked on -s's path: '$(asked_socket)'"
complete_line "oakley -- " "$tool_cmds"
[ $fail = 0 ] && echo PASS
exit $fail
