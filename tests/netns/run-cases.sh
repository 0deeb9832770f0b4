#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs several namespace test cases in a row (one VM boot for many cases) and reports each.
#
# usage: run-cases.sh '[?]SCRIPT ARGS...' ['[?]SCRIPT ARGS...' ...]
# SCRIPT is relative to this directory unless it starts with '/'. Each case's full output is printed
# only when it fails; its 'figures: ' lines always.
#
# The verdict, so that a run cannot pass having checked nothing:
#   - no case given: failure (exit 1);
#   - any case failed: failure (exit 1);
#   - every case skipped (exit 77): the whole run is skipped (exit 77), as a single script would be;
#   - some passed and some skipped: failure (exit 1), unless each skipped case was marked '?' by the
#     caller (a case that may legitimately be unable to run where the others can: its SKIP line is
#     still shown). A list runs where its cases can run (the VM has ESP, strongSwan, nft), so an
#     unexpected skip there means a case silently tested nothing.
dir=$(dirname "$0")
pass=0 failn=0 skipn=0 badskip=0
for c in "$@"; do
    optional=0
    if [ "${c#\?}" != "$c" ]; then optional=1; c=${c#\?}; fi
    case $c in /*) cmd=$c ;; *) cmd=$dir/$c ;; esac
    start=$(date +%s.%N)
    out=$(bash -c "$cmd" 2>&1)
    rc=$?
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
    case $rc in
    0) pass=$((pass + 1)); echo "ok    $c (${secs}s)"
       echo "$out" | grep '^figures: ' | sed 's/^/      /' ;;
    77) skipn=$((skipn + 1)); [ $optional = 1 ] || badskip=$((badskip + 1))
        echo "skip  $c: $(echo "$out" | grep SKIP | head -1)$([ $optional = 1 ] || echo ' (not allowed to skip)')" ;;
    *) failn=$((failn + 1)); echo "FAIL  $c (${secs}s)"; echo "$out" | sed 's/^/    | /' ;;
    esac
done
echo "cases: $pass passed, $failn failed, $skipn skipped"
if [ $# = 0 ]; then echo "FAIL: no case given"; exit 1; fi
[ $failn = 0 ] || exit 1
[ $pass = 0 ] && exit 77
if [ $badskip -gt 0 ]; then
    echo "FAIL: $badskip case(s) skipped while others ran (mark a case '?' if it may skip)"
    exit 1
fi
exit 0
