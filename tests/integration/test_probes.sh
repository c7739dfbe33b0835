#!/usr/bin/env bash
# USDT probes (mmu/probes.h): `readelf -n` shows exactly the probes that
# docs/measurements.md "USDT probes" lists, in numig and in numig-bench's
# library; where bpftrace can attach, a traced run counts as many copy_start
# hits as its report counts migrations.
# needs-kvm: no
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
NUMIG=$root/$build/numig
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

doc=$(awk '/^## USDT probes/ {s=1; next} s && /^## / {exit} s && /^\| `numig:/' "$root/docs/measurements.md" |
	cut -d'|' -f2 | grep -oE 'numig:[a-z_]+' | sort -u)
bin=$(readelf -n "$NUMIG" | awk '/stapsdt/ { p = 1 } p && /Provider:/ { prov = $2 } p && /Name:/ { print prov ":" $2; p = 0 }' | sort -u)
if [ "$(wc -l <<<"$doc")" -ge 20 ] && [ "$doc" = "$bin" ]; then
	ok "readelf -n $build/numig shows every probe docs/measurements.md lists, and no other ($(wc -l <<<"$doc"))"
else
	not_ok "probes: documented vs in the binary" "only documented: $(comm -23 <(echo "$doc") <(echo "$bin") | tr '\n' ' ')
only in the binary: $(comm -13 <(echo "$doc") <(echo "$bin") | tr '\n' ' ')"
fi

if ! have_kvm; then skip "bpftrace counts copy probes" "/dev/kvm is absent or not accessible"; done_testing; exit; fi
if ! command -v bpftrace >/dev/null; then skip "bpftrace counts copy probes" "bpftrace not installed (apt-get install bpftrace)"; done_testing; exit; fi
timeout 120 bpftrace -q -e "usdt:$NUMIG:numig:copy_start { @copies = count(); }" \
	-c "$NUMIG run --guest integrity --vcpus 2 --nodes 2 --duration 1s --scan-period 20ms --scan-size 8 --migrate rate=300/s --quiet" \
	>"$tmp/out" 2>"$tmp/err"; rc=$?
hits=$(sed -n 's/^@copies: \([0-9]*\)$/\1/p' "$tmp/out")
done_n=$(sed -n 's/^migration: \([0-9]*\) done.*/\1/p' "$tmp/out")
if [ -z "$hits" ] && [ -z "$done_n" ]; then
	# bpftrace could not attach or start: skip with its own words.
	skip "bpftrace counts copy probes" "bpftrace exit $rc: $(grep -m1 -v 'RLIMIT_MEMLOCK' "$tmp/err" | head -c 200)"
elif [ -n "$hits" ] && [ "${done_n:-0}" -gt 0 ] && [ "$hits" = "$done_n" ]; then
	ok "bpftrace: $hits copy_start hits = the report's $done_n migrations"
else
	not_ok "bpftrace copy_start hits ${hits:-none} vs report ${done_n:-none} migrations (bpftrace exit $rc)" "$(cat "$tmp/err"; tail -n 5 "$tmp/out")"
fi
done_testing
