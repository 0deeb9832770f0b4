#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# selftest-run.sh RUN: the harness itself, in one boot. Runs on the host:
#   RUN --out DIR -- bash -c SCRIPT ARGS...     (ARGS with spaces, quotes, $, *, newline)
# and checks: the guest received ARGS byte for byte; the working directory is the caller's; the
# guest is the cloud kernel with ESP modules loaded, / is an overlay and writes do not reach the
# host; stdout and stderr come back separately; the exit status (3) is the command's; DIR holds
# what the guest wrote into $OAKLEY_VM_OUT. No network namespaces.
set -u
RUN=$(realpath "${1:?usage: selftest-run.sh tests/vm/run}") || exit 1
tmp=$(mktemp -d /var/tmp/oak-vm-selftest.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
marker=/var/tmp/oak-vm-selftest-marker.$$

args=("a b" "it's" '$HOME' '*' "two
lines" "")
script='
printf "%s\n" "$#"; for a in "$@"; do printf "<%s>\n" "$a"; done
echo "cwd=$PWD"
echo "kernel=$(uname -r)"
grep -q "^esp4 " /proc/modules && echo esp4=loaded
grep -q " / overlay " /proc/mounts && echo root=overlay
echo guest >'"$marker"'
echo "on-stderr" >&2
echo result >"$OAKLEY_VM_OUT/file.txt"
exit 3'
"$RUN" -q --out "$tmp/out" -- bash -c "$script" guest "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
if [ "$rc" = 77 ]; then
	cat "$tmp/stdout"
	exit 77
fi

fails=0
check() {
	if eval "$1"; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		fails=$((fails + 1))
	fi
}
want=$(printf '%s\n' "${#args[@]}"; for a in "${args[@]}"; do printf '<%s>\n' "$a"; done)
got=$(head -n "$(printf '%s\n' "$want" | wc -l)" "$tmp/stdout")
check '[ "$rc" = 3 ]' "exit status is the command's (got $rc)"
check '[ "$got" = "$want" ]' "arguments arrive intact"
check 'grep -qx "cwd=$tmp" "$tmp/stdout"' "working directory is the caller's"
check 'grep -q "^kernel=.*cloud-amd64" "$tmp/stdout"' "runs the cloud kernel"
check 'grep -qx esp4=loaded "$tmp/stdout"' "esp4 is loaded"
check 'grep -qx root=overlay "$tmp/stdout"' "/ is an overlay"
check '! [ -e "$marker" ]' "guest writes stay in the guest"
check '[ "$(cat "$tmp/stderr")" = on-stderr ]' "stderr comes back separately"
check '! grep -q on-stderr "$tmp/stdout"' "stdout has no stderr lines"
check '[ "$(cat "$tmp/out/file.txt" 2>/dev/null)" = result ]' "--out copies \$OAKLEY_VM_OUT"
rm -f "$marker"
if [ $fails != 0 ]; then
	echo "--- stdout"; cat "$tmp/stdout"; echo "--- stderr"; cat "$tmp/stderr"
fi
[ $fails = 0 ]
