#!/usr/bin/env bash
# What the guest felt (docs/measurements.md "What the guest felt"):
# every run of integrity and hammer, with and without migration, reports
# its write-gap figure with samples from every vCPU, counts that fall as the
# threshold rises and p99 <= max; a guest that does not time its writes
# reports none; histograms that lie are rejected, each with its reason. The
# rest (how many gaps above 10 us a migration adds) depends on the host and
# is printed, not judged.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! have_kvm || ! command -v python3 >/dev/null; then
	for g in integrity hammer; do for mig in none migrate; do skip "$g $mig" "/dev/kvm or python3 absent"; done; done
	for t in text hello hostile; do skip "$t" "/dev/kvm or python3 absent"; done
	done_testing; exit
fi

# The figure's invariants, from the JSON; prints one line of what was seen.
felt_ok() { # name, then numig args
	local name=$1; shift
	timeout 300 "$NUMIG" "$@" --json --quiet >"$tmp/out.json" 2>"$tmp/err"
	if python3 - "$tmp/out.json" >"$tmp/why" 2>&1 <<'PY'; then ok "$name: $(cat "$tmp/why")"; else not_ok "$name" "$(cat "$tmp/why" "$tmp/err")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
f = d.get("guest_felt")
assert f, "no guest_felt in the JSON (exit %s: %s)" % (d["exit_code"], d["result"])
assert f["tsc_khz"] > 0 and f["tsc_source"], f
keys = ["over_10us", "over_100us", "over_1ms", "over_10ms"]
def judge(x, who):
    assert x["samples"] > 0, "%s: no samples" % who
    c = [x[k] for k in keys]
    assert c == sorted(c, reverse=True) and c[0] <= x["samples"], "%s: counts not monotone: %s" % (who, c)
    assert 0 < x["p99_us"] <= x["max_us"], "%s: p99 %s > max %s" % (who, x["p99_us"], x["max_us"])
a = f["all"]
judge(a, "all")
assert len(f["vcpus"]) == d["vcpus_count"] and f["vcpus_published"] == d["vcpus_count"], f["vcpus"]
for v in f["vcpus"]:
    assert v["state"] == "ok", v
    judge(v, "vCPU %d" % v["id"])
assert sum(v["samples"] for v in f["vcpus"]) == a["samples"], "vCPU samples do not sum to the total"
assert a["stride"] == f["vcpus"][0]["stride"] > 0, "stride %s, vCPU 0's %s" % (a["stride"], f["vcpus"][0]["stride"])
assert sum(b["count"] for b in a["histogram"]) == a["samples"], "histogram does not sum to samples"
assert d["exit_code"] == 0, d["result"]
m = d.get("migration") or {}
print("%d gaps, >10us %d, >100us %d, >1ms %d, >10ms %d, p99 %.3g us, max %.0f us, %d migrations, TSC %d kHz (%s)" % (
    a["samples"], a["over_10us"], a["over_100us"], a["over_1ms"], a["over_10ms"], a["p99_us"], a["max_us"],
    m.get("done", 0), f["tsc_khz"], f["tsc_source"]))
PY
}

for g in integrity hammer; do
	felt_ok "$g, no migration" run --guest $g --vcpus 2 --nodes 2 --ws 32M --duration 1s
	felt_ok "$g, --migrate rate=500/s" run --guest $g --vcpus 2 --nodes 2 --ws 32M --migrate rate=500/s \
		--migrations 200 --duration 2s
done
check "the text report has the guest-felt block" 0 \
	'guest felt: [0-9.e]+ write gaps \(one per 256 operations\); >10us [0-9]+, >100us [0-9]+, >1ms [0-9]+, >10ms [0-9]+; p99 [0-9.]+ us, max [0-9.]+ us \(TSC [0-9.]+ GHz, ' \
	-- run --guest integrity --vcpus 2 --ws 8M --duration 300ms
if printf '%s\n' "$LAST_OUT" | grep -Eq '^  vCPU 1: [0-9.e]+ gaps; >10us'; then ok "... with a line per vCPU"
else not_ok "... with a line per vCPU" "$LAST_OUT"; fi
out=$(timeout 60 "$NUMIG" run --guest hello --vcpus 2 --json --quiet 2>&1)
if printf '%s' "$out" | python3 -c 'import json,sys; assert json.load(sys.stdin)["guest_felt"] is None' &&
	! timeout 60 "$NUMIG" run --guest hello --vcpus 2 2>&1 | grep -q 'guest felt'; then
	ok "a guest that does not time its writes: no figure, guest_felt null"
else not_ok "hello has no figure" "$out"; fi
check "histograms that lie are rejected and the run still ends ok" 0 \
	"guest felt: no figure: 3 of 3 vCPUs' histograms rejected, none usable" \
	-- run --guest "$build/guests/hostile.elf" --vcpus 3 --write-pct 9
for why in 'vCPU 0: histogram rejected: buckets sum to 5, samples says 6' \
	'vCPU 1: histogram rejected: max 1000000 cycles is not in the highest non-empty bucket' \
	'vCPU 2: histogram rejected: bucket counts overflow 64 bits'; do
	if printf '%s\n' "$LAST_OUT" | grep -q "^  $why"; then ok "... $why"; else not_ok "... $why" "$LAST_OUT"; fi
done
done_testing
