#!/usr/bin/env bash
# Runs numig's libFuzzer targets (tests/fuzz) for a while each.
#   scripts/fuzz.sh FUZZ_DIR SECONDS [TARGET...]   (targets: elf hypercall cli domxml kvmstats)
# Seeds: tests/fuzz/corpus/TARGET, the built guests (elf), tests/data/*.xml
# (domxml), the recorded stats blobs in tests/data/kvmstats (kvmstats). New
# inputs go to a scratch corpus, never into the repository; a crash leaves
# its input in FUZZ_DIR/artifacts and fails the run. Ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/fuzz}
secs=${2:-30}
shift 2 2>/dev/null || shift $#
targets=${*:-elf hypercall cli domxml kvmstats}
build=$(dirname "$dir")
pass=0 fail=0 n=0
mkdir -p "$dir/artifacts"
for t in $targets; do
	n=$((n + 1))
	bin=$dir/fuzz_$t
	work=$(mktemp -d)
	seeds=(tests/fuzz/corpus/$t)
	case $t in
	elf) seeds+=("$build/guests") ;;
	domxml) seeds+=(tests/data) ;;
	kvmstats) seeds+=(tests/data/kvmstats) ;;
	esac
	log=$dir/$t.log
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$t-" "$work" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	corpus=$(ls "$work" | wc -l)
	rm -rf "$work"
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - fuzz $t: ${execs:-?} executions in $secs s, $corpus new corpus entries, no crash"
	else
		fail=$((fail + 1))
		echo "not ok $n - fuzz $t (exit $rc); input in $dir/artifacts"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20 | sed 's/^/#   /'
	fi
done
echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
