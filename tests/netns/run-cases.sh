#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs several namespace test cases in a row (one VM boot for many cases) and reports each.
#
# usage: run-cases.sh 'SCRIPT ARGS...' ['SCRIPT ARGS...' ...]
# Each case's full output is printed only when it fails; its 'figures: ' lines always. Exit 0 when every case passed, 77 when all
# skipped, 1 otherwise.
dir=$(dirname "$0")
pass=0 failn=0 skipn=0
for c in "$@"; do
    start=$(date +%s.%N)
    out=$(bash -c "$dir/$c" 2>&1)
    rc=$?
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
    case $rc in
    0) pass=$((pass + 1)); echo "ok    $c (${secs}s)"
       echo "$out" | grep '^figures: ' | sed 's/^/      /' ;;
    77) skipn=$((skipn + 1)); echo "skip  $c: $(echo "$out" | grep SKIP | head -1)" ;;
    *) failn=$((failn + 1)); echo "FAIL  $c (${secs}s)"; echo "$out" | sed 's/^/    | /' ;;
    esac
done
echo "cases: $pass passed, $failn failed, $skipn skipped"
[ $failn = 0 ] || exit 1
[ $pass = 0 ] && [ $skipn -gt 0 ] && exit 77
exit 0
