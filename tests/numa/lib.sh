# The numa suites' shared part (tests/numa/suite.sh, tests/numa/race.sh):
# the build folder, a scratch folder, TAP, and bounded runs of numig whose
# --json reports are read key by key. Sourced with the build folder as $1.
N=$(cd "${1:-build}" && pwd -P) # numig, its guests and test programs: a build folder
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/../integration/lib.sh" # ok, not_ok, skip, done_testing

up() { cut -d' ' -f1 /proc/uptime; }
section() { echo "# ---- $* (guest uptime $(up) s)"; }

# numig's --json writer puts one key per line, so a line-oriented awk can
# flatten it to path=value lines: nodes.1.host_node_measured=1.
jflat() {
	awk '
	function path(   i, s) { s = ""; for (i = 1; i <= d; i++) if (k[i] != "") s = s k[i] "."; return s }
	{
		line = $0; sub(/^[ \t]+/, "", line); sub(/,$/, "", line); key = ""
		if (match(line, /^"[^"]*": /)) { key = substr(line, 2, RLENGTH - 4); line = substr(line, RLENGTH + 1) }
		else if (d > 0 && arr[d]) key = idx[d]++
		if (line == "{" || line == "[") { d++; k[d] = key; arr[d] = (line == "["); idx[d] = 0; next }
		if (line == "}" || line == "]") { d--; next }
		if (line ~ /^".*"$/) line = substr(line, 2, length(line) - 2)
		print path() key "=" line
	}'
}

# bounded TIMEOUT_S OUT ERR COMMAND...: COMMAND's stdout in OUT, stderr in
# ERR, exit code in $rc. Each 0.2 s it calls $ON_TICK PID, if set. Past the
# deadline it shows where every thread waits, then SIGKILLs: a hung process
# may never act on SIGTERM (busybox timeout sends only that).
bounded() {
	local to=$1 o=$2 e=$3 start pid
	shift 3
	"$@" >"$o" 2>"$e" &
	pid=$!
	start=$(cut -d. -f1 /proc/uptime)
	while kill -0 $pid 2>/dev/null; do
		[ -n "${ON_TICK:-}" ] && $ON_TICK $pid
		if [ $(($(cut -d. -f1 /proc/uptime) - start)) -ge "$to" ]; then
			echo "# HUNG: still running after $to s, killed: $*"
			for t in /proc/$pid/task/*; do
				echo "#   thread ${t##*/} $(cat $t/comm 2>/dev/null): $(awk '/^State/ { print $2, $3 }' $t/status 2>/dev/null), wchan $(cat $t/wchan 2>/dev/null)"
				sed 's/^/#     /' $t/stack 2>/dev/null | head -n 10
			done
			kill -KILL $pid
			break
		fi
		sleep 0.2
	done
	wait $pid
	rc=$?
}

# run_json NAME TIMEOUT_S NUMIG_ARGS...: the report in $T/NAME.json and, flat,
# $T/NAME.kv; the exit code in $rc.
run_json() {
	local name=$1 to=$2
	shift 2
	bounded "$to" $T/$name.json $T/$name.err $N/numig run "$@" --json --quiet
	jflat <$T/$name.json >$T/$name.kv
}
# jv NAME KEY: one value of a report ("" when absent).
jv() { awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' $T/$1.kv; }
# jsum NAME KEY...: the sum of numeric values.
jsum() {
	local name=$1 s=0 v
	shift
	for key in "$@"; do
		v=$(jv "$name" "$key")
		s=$((s + ${v:-0}))
	done
	echo $s
}
# why NAME: what to show under a failing line.
why() { cat $T/$1.err; grep -v -E '^(pages|time_series)\.' $T/$1.kv | head -n 60; }

# fold_tap PREFIX TIMEOUT_S COMMAND...: runs a TAP test program and re-emits
# its checks as checks of this suite, so the host counts each one.
fold_tap() {
	local prefix=$1 to=$2 line name reason before_n=$n before_fail=$fail sub_rc
	shift 2
	bounded "$to" $T/sub.out $T/sub.err "$@"
	sub_rc=$rc
	cat $T/sub.err >>$T/sub.out
	while IFS= read -r line; do
		case $line in
		"not ok "*) not_ok "$prefix: $(echo "$line" | sed -E 's/^not ok [0-9]* ?- //')" ;;
		"ok "*" # SKIP "*)
			name=$(echo "$line" | sed -E 's/^ok [0-9]* ?- //; s/ # SKIP .*//')
			reason=$(echo "$line" | sed 's/.* # SKIP //')
			skip "$prefix: $name" "$reason"
			;;
		"ok "*) ok "$prefix: $(echo "$line" | sed -E 's/^ok [0-9]* ?- //')" ;;
		"1.."* | [0-9]*" passed, "*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <$T/sub.out
	[ "$n" -eq "$before_n" ] && not_ok "$prefix printed no checks (exit $sub_rc)"
	if [ "$sub_rc" -ne 0 ] && [ "$fail" -eq "$before_fail" ]; then
		not_ok "$prefix exited $sub_rc with no failing check (timed out after ${to} s, or crashed)"
	fi
}

echo "# $(cat /proc/version)"
echo "# $(nproc) CPUs, THP $(cat /sys/kernel/mm/transparent_hugepage/enabled), numa_balancing=$(cat /proc/sys/kernel/numa_balancing)"
