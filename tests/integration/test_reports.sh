#!/usr/bin/env bash
# Failure reporting for any guest (numig_report_bad_word, numig_report_verdict)
# and --param: numig counts the reports itself, exits 1, prints the example;
# hostile reports are refused.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"
G=$build/guests/badword.elf

if ! have_kvm; then
	for t in one-bad take-back hostile-page no-words clean many unknown-kind json; do skip "$t" "/dev/kvm is absent or not accessible"; done
	done_testing; exit
fi
check "a bad word: exit 1, the example printed" 1 \
	'guest: vCPU 0: CORRUPT page 1 offset 0x18 expected 0x1111 found 0x2222' -- run --guest "$G" --param mode=0
check "... and the verdict line says FAIL with the count" 1 'integrity: FAIL: guest: 4096 words checked.*0 lost, 1 corrupt' \
	-- run --guest "$G" --param mode=0
check "a guest cannot take a report back by lowering its counter" 1 '0 lost, 1 corrupt' -- run --guest "$G" --param mode=1
check "a report outside the working set fails the vCPU (exit 4)" 4 'bad-word report outside the working set: page 32' \
	-- run --guest "$G" --param mode=2 --ws 64M
check "a verdict that compared no word is no PASS: inconclusive (exit 6)" 6 \
	"result: integrity INCONCLUSIVE: the guest's verdict compared no word" -- run --guest "$G" --param mode=3
check "a clean check passes" 0 'integrity: PASS: guest: 4096 words checked' \
	-- run --guest "$G" --param mode=4
check "100 lost writes: all counted, 8 shown" 1 '92 more bad words not shown' -- run --guest "$G" --param mode=5
check "an unknown report kind fails the vCPU (exit 4)" 4 'bad-word report of unknown kind 99' -- run --guest "$G" --param mode=6
if command -v python3 >/dev/null; then
	out=$("$NUMIG" run --guest "$G" --param mode=5 --json 2>/dev/null)
	if printf '%s' "$out" | python3 -c 'import json,sys; i=json.load(sys.stdin)["integrity"]; assert i["bad"] and not i["pass"] and i["guest_lost"]==100 and i["guest_reports"]==16 and len(i["guest_examples"])==8 and i["guest_examples"][0]["kind"]=="lost", i'; then
		ok "--json counts every report and keeps 8 examples"
	else not_ok "--json counts every report" "$out"; fi
else
	skip "--json counts every report" "python3 not installed"
fi
check "--param bad name is a usage error" 2 'names use a-z' -- run --guest "$G" --param Mode=1
check "--param without = is a usage error" 2 'expected NAME=VALUE' -- run --guest "$G" --param mode
check "--param twice is a usage error" 2 "'mode' is given twice" -- run --guest "$G" --param mode=1 --param mode=2
check "--param hex value reaches the guest" 0 'PASS' -- run --guest "$G" --param mode=0x4
done_testing
