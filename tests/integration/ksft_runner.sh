#!/usr/bin/env bash
# A minimal kselftest runner, as the kernel's run_kselftest.sh (and LAVA's,
# LKFT's runners built on it) treats a collection: each line COLLECTION:TEST
# of DIR/kselftest-list.txt runs as ./TEST in DIR/COLLECTION, bounded by the
# timeout= of DIR/COLLECTION/settings (45 s without one); exit 0 is ok, 4 a
# skip, anything else (124 at the timeout) not ok.
#   ksft_runner.sh DIR     prints TAP; exits 1 if any test failed
set -u
dir=$1
list=$dir/kselftest-list.txt
[ -r "$list" ] || { echo "ksft_runner: no $list" >&2; exit 2; }
n=$(grep -c : "$list")
echo "TAP version 13"
echo "1..$n"
i=0 failed=0
while IFS=: read -r coll test; do
	[ -n "$test" ] || continue
	i=$((i + 1))
	t=45
	if [ -r "$dir/$coll/settings" ]; then
		v=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$dir/$coll/settings" | tail -n 1)
		[ -n "$v" ] && t=$v
	fi
	echo "# selftests: $coll: $test"
	out=$(cd "$dir/$coll" && timeout "$t" "./$test" 2>&1 </dev/null); rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	case $rc in
	0) echo "ok $i selftests: $coll: $test" ;;
	4) echo "ok $i selftests: $coll: $test # SKIP" ;;
	124) echo "not ok $i selftests: $coll: $test # TIMEOUT $t seconds"; failed=$((failed + 1)) ;;
	*) echo "not ok $i selftests: $coll: $test # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done <"$list"
[ "$failed" -eq 0 ]
