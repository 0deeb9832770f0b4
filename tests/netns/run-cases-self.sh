#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-cases.sh's verdict on fake cases (a pass, a skip, a failure), no root needed: no case given
# fails, a skip among passes fails unless the case is marked '?', all skipped is a skip.
runner=$(dirname "$0")/run-cases.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/bash\necho figures: one\nexit 0\n' >"$tmp/pass.sh"
printf '#!/bin/bash\necho "SKIP: fake"\nexit 77\n' >"$tmp/skip.sh"
printf '#!/bin/bash\nexit 1\n' >"$tmp/fail.sh"
chmod +x "$tmp"/*.sh
P=$tmp/pass.sh S=$tmp/skip.sh F=$tmp/fail.sh
bad=0 n=0
expect() { # expect RC CASES...
    local want=$1; shift
    bash "$runner" "$@" >"$tmp/out" 2>&1
    local rc=$?
    n=$((n + 1))
    if [ "$rc" != "$want" ]; then
        echo "FAIL: run-cases.sh $* -> $rc, want $want"; sed 's/^/    | /' "$tmp/out"; bad=$((bad + 1))
    fi
}
expect 1
expect 0 "$P"
expect 0 "$P" "$P"
expect 77 "$S"
expect 77 "$S" "$S"
expect 1 "$P" "$S"
expect 0 "$P" "?$S"
expect 1 "$P" "?$S" "$S"
expect 1 "$P" "$F"
expect 1 "$S" "$F"
expect 1 "?$F"
echo "$n verdicts, $bad wrong"
[ $bad = 0 ]
