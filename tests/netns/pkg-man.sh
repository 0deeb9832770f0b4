#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages (packaging/man/*.scd) are complete and well-formed: scdoc compiles each, groff
# renders each without a warning, every ipsec.conf keyword of daemon/config_keywords.c is in
# oakley-ipsec.conf(5), every command of tools/oakley/main.c in oakley(8) and every long option of
# daemon/main.c in oakleyd(8). No network, no root.
#
# usage: pkg-man.sh SOURCE_DIR
set -u
SRC=$1
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v scdoc >/dev/null || skip "scdoc is missing (apt-get install scdoc)"
MAN=$SRC/packaging/man
TMP=$(mktemp -d /tmp/oak-pkgman.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
bad=0
for scd in "$MAN"/*.scd; do
    page=$(basename "$scd" .scd)
    scdoc < "$scd" > "$TMP/$page" 2> "$TMP/err" || { echo "$page: scdoc: $(cat "$TMP/err")"; bad=1; continue; }
    if command -v groff >/dev/null; then
        LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$TMP/$page" > "$TMP/warn" 2>&1
        [ -s "$TMP/warn" ] && { echo "$page: groff: $(cat "$TMP/warn")"; bad=1; }
    fi
    echo "$page: $(wc -l < "$TMP/$page") roff lines"
done
[ $bad = 0 ] || fail "a man page does not build cleanly"

# keywords: every quoted name in the three tables of config_keywords.c.
kw_missing=0 kw_n=0
for table in conn_kws side_kws setup_kws; do
    names=$(sed -n "/^static const struct cfg_kw ${table}\[\] = {/,/^};/p" "$SRC/daemon/config_keywords.c" |
        sed -n 's/^[[:space:]]*\(ST\|IG\|UN\)("\([^"]*\)".*/\2/p')
    [ -n "$names" ] || fail "no keywords found in table $table"
    for k in $names; do
        kw_n=$((kw_n + 1))
        case $table in side_kws) pat="left$k\|\b$k\b" ;; *) pat="\b$k\b" ;; esac
        # used keywords appear as *name=*, ignored ones in the lists; match a word either way
        grep -q -- "$(printf '%s' "$pat" | sed 's/[.]/\\./g')" "$MAN/oakley-ipsec.conf.5.scd" ||
            { echo "oakley-ipsec.conf(5) lacks keyword '$k' ($table)"; kw_missing=$((kw_missing + 1)); }
    done
done
echo "keywords: $kw_n in config_keywords.c, $kw_missing missing from oakley-ipsec.conf(5)"
[ $kw_missing = 0 ] || bad=1

cmds=$(sed -n 's/^[[:space:]]*{"\([a-z-]*\)", "[^"]*", "[^"]*", [0-9].*/\1/p' "$SRC/tools/oakley/main.c")
[ -n "$cmds" ] || fail "no commands found in tools/oakley/main.c"
n=0
for c in $cmds; do
    n=$((n + 1))
    grep -q "^\*$c\*" "$MAN/oakley.8.scd" || { echo "oakley(8) lacks command '$c'"; bad=1; }
done
echo "commands: $n checked in oakley(8)"

opts=$(sed -n '/long_opts\[\] = {/,/^};/s/^[[:space:]]*{"\([a-z-]*\)".*/\1/p' "$SRC/daemon/main.c")
[ -n "$opts" ] || fail "no options found in daemon/main.c"
n=0
for o in $opts; do
    n=$((n + 1))
    grep -q -- "\*--$o\*" "$MAN/oakleyd.8.scd" || { echo "oakleyd(8) lacks option --$o"; bad=1; }
done
echo "options: $n checked in oakleyd(8)"
[ $bad = 0 ] || fail "the man pages are incomplete"
echo "PASS"
