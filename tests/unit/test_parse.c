/* Unit tests for vmm/cli/parse.c: accepted forms, exact values and every
 * error class (with the message naming the problem). */
#define TAP_MAIN
#include "harness.h"
#include "vmm/cli/parse.h"
#include <numig/abi.h>

#include <inttypes.h>
#include <string.h>

#define SENTINEL UINT64_C(0xdeadbeefcafef00d)

static char err[256];

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_size(s, &v, err, sizeof(err));
	OK(rc == 0 && v == want, "parse_size('%s') = %" PRIu64 " (got rc=%d v=%" PRIu64 " %s)",
	   s, want, rc, v, err);
}

/* Failure must return -1, leave *out alone and mention `needle`. */
static void size_bad(const char *s, const char *needle)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_size(s, &v, err, sizeof(err));
	OK(rc == -1 && v == SENTINEL && strstr(err, needle) && !strchr(err, '\n'),
	   "parse_size('%s') fails mentioning \"%s\" (msg: %s)", s ? s : "(null)", needle, err);
}

static void dur_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_duration_ns(s, &v, err, sizeof(err));
	OK(rc == 0 && v == want, "parse_duration_ns('%s') = %" PRIu64 " (got rc=%d v=%" PRIu64 " %s)",
	   s, want, rc, v, err);
}

static void dur_bad(const char *s, const char *needle)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_duration_ns(s, &v, err, sizeof(err));
	OK(rc == -1 && v == SENTINEL && strstr(err, needle),
	   "parse_duration_ns('%s') fails mentioning \"%s\" (msg: %s)", s, needle, err);
}

static void range_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_u64_range(s, min, max, &v, "vcpus", err, sizeof(err));
	OK(rc == 0 && v == want, "parse_u64_range('%s', %" PRIu64 "..%" PRIu64 ") = %" PRIu64 " (%s)",
	   s, min, max, want, err);
}

static void range_bad(const char *s, uint64_t min, uint64_t max, const char *needle)
{
	uint64_t v = SENTINEL;
	int rc;

	err[0] = '\0';
	rc = parse_u64_range(s, min, max, &v, "vcpus", err, sizeof(err));
	OK(rc == -1 && v == SENTINEL && strstr(err, "vcpus") && strstr(err, needle),
	   "parse_u64_range('%s') fails naming vcpus and \"%s\" (msg: %s)", s, needle, err);
}

static void mig_ok(const char *s, double rate, enum sched_pattern pat, int node)
{
	struct migrate_spec m = { -1.0, SCHED_RANDOM, 99 };
	int rc;

	err[0] = '\0';
	rc = parse_migrate_spec(s, &m, err, sizeof(err));
	OK(rc == 0 && m.rate_per_s == rate && m.pattern == pat && m.to_node == node,
	   "parse_migrate_spec('%s') = {%g, %d, %d} (got rc=%d {%g, %d, %d} %s)", s, rate, (int)pat,
	   node, rc, m.rate_per_s, (int)m.pattern, m.to_node, err);
}

static void mig_bad(const char *s, const char *needle)
{
	struct migrate_spec m = { -1.0, SCHED_RANDOM, 99 };
	int rc;

	err[0] = '\0';
	rc = parse_migrate_spec(s, &m, err, sizeof(err));
	OK(rc == -1 && m.rate_per_s == -1.0 && m.to_node == 99 && strstr(err, needle),
	   "parse_migrate_spec('%s') fails mentioning \"%s\" (msg: %s)", s, needle, err);
}

static void test_size(void)
{
	size_ok("0", 0);
	size_ok("4096", 4096);
	size_ok("4096B", 4096);
	size_ok("007", 7);
	size_ok("1k", 1024);
	size_ok("1K", 1024);
	size_ok("64M", UINT64_C(64) << 20);
	size_ok("64mb", UINT64_C(64) << 20);
	size_ok("2MiB", UINT64_C(2) << 20);
	size_ok("2mib", UINT64_C(2) << 20);
	size_ok("1G", UINT64_C(1) << 30);
	size_ok("3T", UINT64_C(3) << 40);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("16777215T", UINT64_C(16777215) << 40);

	size_bad("", "empty");
	size_bad(NULL, "empty");
	size_bad("-1", "negative");
	size_bad("-1M", "negative");
	size_bad("12Q", "unknown suffix 'Q' (use K, M, G, T)");
	size_bad("12KQ", "unknown suffix 'KQ'");
	size_bad("12iB", "unknown suffix 'iB'");
	size_bad("12MBB", "unknown suffix 'MBB'");
	size_bad("12 M", "unknown suffix ' M'");
	size_bad("M", "expected a decimal number");
	size_bad(" 12", "expected a decimal number");
	size_bad("+12", "expected a decimal number");
	size_bad("0x10", "unknown suffix 'x10'");
	size_bad("1.5G", "fractions");
	size_bad("18446744073709551616", "too large");
	size_bad("16777216T", "too large");
	size_bad("99999999999999999999999G", "too large");

	/* Hostile input: the message stays one line and bounded. */
	{
		char big[300];
		uint64_t v;

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[5] = '\n';
		OK(parse_size(big, &v, err, sizeof(err)) == -1 && !strchr(err, '\n') &&
			   strstr(err, "...") && strlen(err) < 200,
		   "long input with newline gives a bounded one-line message (%zu chars)", strlen(err));
	}
	/* Tiny and absent message buffers are safe. */
	{
		char tiny[8];
		uint64_t v;

		memset(tiny, 'Z', sizeof(tiny));
		OK(parse_size("bad", &v, tiny, sizeof(tiny)) == -1 && tiny[7] == '\0' &&
			   strlen(tiny) == 7,
		   "message truncated to a tiny buffer ('%s')", tiny);
		OK(parse_size("bad", &v, NULL, 0) == -1, "NULL message buffer accepted");
		tiny[0] = 'Z';
		OK(parse_size("bad", &v, tiny, 0) == -1 && tiny[0] == 'Z', "errlen 0 writes nothing");
	}
}

static void test_duration(void)
{
	dur_ok("0", 0);
	dur_ok("1", UINT64_C(1000000000));
	dur_ok("10s", UINT64_C(10000000000));
	dur_ok("1.5", UINT64_C(1500000000));
	dur_ok("1.5s", UINT64_C(1500000000));
	dur_ok(".25", UINT64_C(250000000));
	dur_ok("0.1s", UINT64_C(100000000));
	dur_ok("200ms", UINT64_C(200000000));
	dur_ok("1.5ms", UINT64_C(1500000));
	dur_ok("250us", UINT64_C(250000));
	dur_ok("250\xc2\xb5s", UINT64_C(250000));
	dur_ok("1.25us", 1250);
	dur_ok("42ns", 42);
	dur_ok("42NS", 42);
	dur_ok("0.000000001", 1);
	dur_ok("0.0000000015", 2);  /* 1.5 ns rounds to nearest (half up) */
	dur_ok("0.0000000014", 1);
	dur_ok("1.4ns", 1);
	dur_ok("1.5ns", 2);
	dur_ok("18446744073709551615ns", UINT64_MAX);
	dur_ok("18446744073.709551615", UINT64_MAX);
	dur_ok("18446744073s", UINT64_C(18446744073000000000));

	dur_bad("", "empty");
	dur_bad("-1s", "negative");
	dur_bad("-0.5", "negative");
	dur_bad("s", "expected a number");
	dur_bad(".", "expected a number");
	dur_bad("1.", "expected a number");
	dur_bad("1.s", "expected a number");
	dur_bad("abc", "expected a number");
	dur_bad("10m", "unknown unit 'm' (use ns, us, ms, s)");
	dur_bad("10min", "unknown unit 'min'");
	dur_bad("1e3", "unknown unit 'e3'");
	dur_bad("1.2.3", "unknown unit '.3'");
	dur_bad("5 s", "unknown unit ' s'");
	dur_bad("18446744074s", "too large");
	dur_bad("18446744073.709551616", "too large");
	dur_bad("99999999999999999999999ns", "too large");
}

static void test_range(void)
{
	range_ok("1", 1, 64, 1);
	range_ok("64", 1, 64, 64);
	range_ok("0", 0, 0, 0);
	range_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);

	range_bad("0", 1, 64, "between 1 and 64");
	range_bad("65", 1, 64, "between 1 and 64");
	range_bad("18446744073709551616", 0, UINT64_MAX, "between 0 and 18446744073709551615");
	range_bad("", 1, 64, "empty");
	range_bad("-1", 1, 64, "expected a decimal integer");
	range_bad("4k", 1, 64, "expected a decimal integer");
	range_bad("0x4", 1, 64, "expected a decimal integer");
	range_bad(" 4", 1, 64, "expected a decimal integer");

	{
		uint64_t v;

		OK(parse_u64_range("x", 0, 1, &v, NULL, err, sizeof(err)) == -1 &&
			   strstr(err, "invalid value 'x'"),
		   "NULL `what` falls back to 'value' (%s)", err);
	}
}

static void test_migrate(void)
{
	mig_ok("", 100.0, SCHED_PINGPONG, -1);
	mig_ok(NULL, 100.0, SCHED_PINGPONG, -1);
	mig_ok("rate=500/s", 500.0, SCHED_PINGPONG, -1);
	mig_ok("rate=500", 500.0, SCHED_PINGPONG, -1);
	mig_ok("rate=2.5/s", 2.5, SCHED_PINGPONG, -1);
	mig_ok("rate=.5", 0.5, SCHED_PINGPONG, -1);
	mig_ok("rate=10000000/s", 1e7, SCHED_PINGPONG, -1);
	mig_ok("rate=10000000.0", 1e7, SCHED_PINGPONG, -1);
	mig_ok("pattern=random", 100.0, SCHED_RANDOM, -1);
	mig_ok("pattern=pingpong", 100.0, SCHED_PINGPONG, -1);
	mig_ok("pattern=to:3", 100.0, SCHED_TO_NODE, 3);
	mig_ok("pattern=to:63", 100.0, SCHED_TO_NODE, 63);
	mig_ok("rate=20/s,pattern=to:0", 20.0, SCHED_TO_NODE, 0);
	mig_ok("pattern=random,rate=1", 1.0, SCHED_RANDOM, -1);

	mig_bad("rate=0", "rate '0' out of range");
	mig_bad("rate=0.0/s", "out of range");
	mig_bad("rate=10000000.1", "out of range");
	mig_bad("rate=1e9", "rate '1e9' is not a decimal number");
	mig_bad("rate=-5", "rate '-5' must be > 0");
	mig_bad("rate=abc", "rate 'abc' is not a decimal number");
	mig_bad("rate=5/m", "rate '5/m' is not a decimal number");
	mig_bad("rate=inf", "rate 'inf' is not a decimal number");
	mig_bad("rate=nan", "rate 'nan' is not a decimal number");
	mig_bad("rate=1.", "rate '1.' is not a decimal number");
	mig_bad("rate=/s", "rate '/s' is not a decimal number");
	mig_bad("rate=", "rate: missing value");
	mig_bad("pattern=", "unknown pattern ''");
	mig_bad("pattern=zigzag", "unknown pattern 'zigzag'");
	mig_bad("pattern=to:", "pattern 'to:'");
	mig_bad("pattern=to:64", "pattern 'to:64': node out of range");
	mig_bad("pattern=to:x", "pattern 'to:x'");
	mig_bad("pattern=to:1x", "pattern 'to:1x'");
	mig_bad("speed=5", "unknown key 'speed'");
	mig_bad("=5", "unknown key ''");
	mig_bad("rate=1,rate=2", "duplicate key 'rate'");
	mig_bad("pattern=random,pattern=random", "duplicate key 'pattern'");
	mig_bad("rate", "'rate' is not key=value");
	mig_bad("rate=1,,pattern=random", "empty element");
	mig_bad("rate=1,", "empty element");
	mig_bad(",rate=1", "empty element");
	/* A bare value gets the key it needs (issue 11). */
	mig_bad("100/s", "'100/s' is not key=value; did you mean rate=100/s?");
	mig_bad("2.5", "did you mean rate=2.5?");
	mig_bad("pingpong", "did you mean pattern=pingpong?");
	mig_bad("to:1", "did you mean pattern=to:1?");
	mig_bad("fast", "'fast' is not key=value (use rate=N/s, pattern=NAME)");
	/* Errors after a good element must not leak partial results. */
	mig_bad("rate=7,pattern=bogus", "unknown pattern 'bogus'");
}

static void param_bad(const char *s, const char *want)
{
	char msg[256] = "", name[NUMIG_PARAM_NAME_LEN] = "untouched";
	uint64_t v = 77;

	OK(parse_param(s, name, sizeof(name), &v, msg, sizeof(msg)) == -1 && strstr(msg, want) &&
		      v == 77 && !strcmp(name, "untouched"),
	      "param '%s' rejected with \"%s\" (got \"%s\")", s, want, msg);
}

static void test_param(void)
{
	char name[NUMIG_PARAM_NAME_LEN];
	uint64_t v = 0;

	OK(parse_param("passes=10", name, sizeof(name), &v, NULL, 0) == 0 && !strcmp(name, "passes") && v == 10,
	      "passes=10");
	OK(parse_param("a_1=0x1F", name, sizeof(name), &v, NULL, 0) == 0 && !strcmp(name, "a_1") && v == 0x1f,
	      "hex value");
	OK(parse_param("max=18446744073709551615", name, sizeof(name), &v, NULL, 0) == 0 && v == UINT64_MAX,
	      "UINT64_MAX");
	OK(parse_param("fifteen_chars_x=1", name, sizeof(name), &v, NULL, 0) == 0 && strlen(name) == 15,
	      "a 15-character name");
	param_bad("sixteen_chars_xy=1", "1 to 15 characters");
	param_bad("=1", "1 to 15 characters");
	param_bad("Mode=1", "names use a-z, 0-9 and _");
	param_bad("a-b=1", "names use a-z, 0-9 and _");
	param_bad("mode", "expected NAME=VALUE");
	param_bad("mode=", "empty value");
	param_bad("mode=-1", "expected a decimal integer");
	param_bad("mode=18446744073709551616", "must be between");
	param_bad("mode=0x10000000000000000", "too large hex");
	param_bad("mode=0xg", "bad or too large hex");
}

int main(void)
{
	test_size();
	test_duration();
	test_range();
	test_migrate();
	test_param();
	return tap_done();
}
