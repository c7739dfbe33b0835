/* CLI value parsers: strict, locale-independent, with one-line messages. */
#include "parse.h"
#include "vmm/report/text.h"
#include "mmu/strategy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Room for a quoted piece of user input inside a message. */
#define SHOWN_MAX 64


/* Copy len bytes of user input for display: messages must stay on one line
 * and bounded even for hostile input, so control bytes become '?' and long
 * input is cut with "...". */
static const char *shown(char buf[SHOWN_MAX], const char *p, size_t len)
{
	size_t keep = len < SHOWN_MAX - 1 ? len : SHOWN_MAX - 4;
	size_t i;

	for (i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)p[i];
		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (keep < len) {
		memcpy(buf + keep, "...", 3);
		keep += 3;
	}
	buf[keep] = '\0';
	return buf;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII compare of [p, p+len) with the literal word. */
static bool word_eq(const char *p, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower(p[i]) != word[i])
			return false;
	return true;
}

/* Leading decimal digits of p as a uint64. Returns the number of digits
 * consumed (0 if none); *overflow is set if the value does not fit. */
static size_t scan_u64(const char *p, uint64_t *val, bool *overflow)
{
	uint64_t v = 0;
	size_t n = 0;

	*overflow = false;
	while (is_digit(p[n])) {
		unsigned d = (unsigned)(p[n] - '0');
		if (v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
		n++;
	}
	*val = v;
	return n;
}

/* How every value starts: refused when empty, or when negative unless
 * `minus_ok` (the caller then refuses it in its own words); quoted into q
 * for the messages. Returns 0 or -1 with the message in err. */
static int value_start(const char *s, const char *what, bool minus_ok, char q[SHOWN_MAX], char *err,
		       size_t errlen)
{
	if (!s || !*s) {
		text_set_err(err, errlen, "invalid %s '': empty value", what);
		return -1;
	}
	shown(q, s, strlen(s));
	if (!minus_ok && s[0] == '-') {
		text_set_err(err, errlen, "invalid %s '%s': must not be negative", what, q);
		return -1;
	}
	return 0;
}

/* ---- sizes -------------------------------------------------------------- */

/* Binary shift for a size suffix ("", "B", "K", "KB", "KiB", ...), or -1. */
static int size_suffix_shift(const char *p)
{
	static const char units[] = "kmgt";
	const char *u;
	size_t len = strlen(p);

	if (len == 0 || word_eq(p, len, "b"))
		return 0;
	u = strchr(units, lower(p[0])); /* p[0] != '\0' here: len > 0 */
	if (!u)
		return -1;
	if (len == 1 || word_eq(p + 1, len - 1, "b") || word_eq(p + 1, len - 1, "ib"))
		return 10 * (int)(u - units + 1);
	return -1;
}

int parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	char q[SHOWN_MAX], sfx[SHOWN_MAX];
	uint64_t v;
	bool overflow;
	size_t n;
	int shift;

	if (value_start(s, "size", false, q, err, errlen))
		return -1;
	n = scan_u64(s, &v, &overflow);
	if (n == 0) {
		text_set_err(err, errlen, "invalid size '%s': expected a decimal number (e.g. 4096, 64M, 2MiB)", q);
		return -1;
	}
	if (s[n] == '.') {
		text_set_err(err, errlen, "invalid size '%s': fractions are not supported (use a smaller unit)", q);
		return -1;
	}
	shift = size_suffix_shift(s + n);
	if (shift < 0) {
		text_set_err(err, errlen, "invalid size '%s': unknown suffix '%s' (use K, M, G, T)", q,
			shown(sfx, s + n, strlen(s + n)));
		return -1;
	}
	if (overflow || v > (UINT64_MAX >> shift)) {
		text_set_err(err, errlen, "invalid size '%s': too large (max 2^64-1 bytes)", q);
		return -1;
	}
	*out = v << shift;
	return 0;
}

/* ---- durations ---------------------------------------------------------- */

/* Nanoseconds per unit for a duration suffix, or 0 if unknown. */
static uint64_t duration_unit_ns(const char *p)
{
	size_t len = strlen(p);

	if (len == 0 || word_eq(p, len, "s"))
		return 1000000000u;
	if (word_eq(p, len, "ms"))
		return 1000000u;
	/* "µs" (micro sign U+00B5) and "μs" (Greek mu U+03BC) in UTF-8. */
	if (word_eq(p, len, "us") || strcmp(p, "\xc2\xb5s") == 0 || strcmp(p, "\xce\xbcs") == 0)
		return 1000u;
	if (word_eq(p, len, "ns"))
		return 1u;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out_ns, char *err, size_t errlen)
{
	char q[SHOWN_MAX], sfx[SHOWN_MAX];
	const char *p, *frac = NULL;
	uint64_t ip, unit, scale, frac_ns = 0;
	size_t n_int, n_frac = 0, i;
	bool overflow;

	if (value_start(s, "duration", false, q, err, errlen))
		return -1;
	n_int = scan_u64(s, &ip, &overflow);
	p = s + n_int;
	if (*p == '.') {
		frac = p + 1;
		while (is_digit(frac[n_frac]))
			n_frac++;
		p = frac + n_frac;
	}
	if ((n_int == 0 && n_frac == 0) || (frac && n_frac == 0)) {
		text_set_err(err, errlen, "invalid duration '%s': expected a number (e.g. 10, 1.5s, 200ms)", q);
		return -1;
	}
	unit = duration_unit_ns(p);
	if (unit == 0) {
		text_set_err(err, errlen, "invalid duration '%s': unknown unit '%s' (use ns, us, ms, s)", q,
			shown(sfx, p, strlen(p)));
		return -1;
	}
	/* Exact integer arithmetic: fraction digit k is worth unit/10^k ns, which
	 * is an integer while 10^k <= unit; the first digit beyond that decides
	 * rounding to the nearest ns. */
	scale = unit;
	for (i = 0; i < n_frac; i++) {
		unsigned d = (unsigned)(frac[i] - '0');
		scale /= 10;
		if (scale == 0) {
			frac_ns += d >= 5;
			break;
		}
		frac_ns += d * scale;
	}
	if (overflow || ip > (UINT64_MAX - frac_ns) / unit) {
		text_set_err(err, errlen, "invalid duration '%s': too large (max ~584 years)", q);
		return -1;
	}
	*out_ns = ip * unit + frac_ns;
	return 0;
}

/* ---- ranged integers ---------------------------------------------------- */

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		    const char *what, char *err, size_t errlen)
{
	char q[SHOWN_MAX];
	uint64_t v;
	bool overflow;
	size_t n;

	if (!what)
		what = "value";
	if (value_start(s, what, true, q, err, errlen))
		return -1;
	n = scan_u64(s, &v, &overflow);
	if (n == 0 || s[n] != '\0') {
		text_set_err(err, errlen, "invalid %s '%s': expected a decimal integer", what, q);
		return -1;
	}
	if (overflow || v < min || v > max) {
		text_set_err(err, errlen, "invalid %s '%s': must be between %" PRIu64 " and %" PRIu64,
			what, q, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- migration specs ---------------------------------------------------- */

/* "N" or "N/s" with N = digits[.digits] or .digits, into *rate. Built from
 * integers rather than strtod so it is locale-independent and rejects
 * "inf", "nan", hex and exponents. Returns false on syntax errors. */
static bool scan_rate(const char *p, size_t len, double *rate)
{
	double mant = 0.0, div = 1.0;
	size_t i = 0, digits = 0;

	if (len >= 2 && p[len - 2] == '/' && lower(p[len - 1]) == 's')
		len -= 2;
	for (; i < len && is_digit(p[i]); i++, digits++)
		mant = mant * 10.0 + (p[i] - '0');
	if (i < len && p[i] == '.') {
		size_t fd = 0;
		for (i++; i < len && is_digit(p[i]); i++, fd++) {
			mant = mant * 10.0 + (p[i] - '0');
			div *= 10.0;
		}
		if (fd == 0)
			return false;
		digits += fd;
	}
	if (digits == 0 || i != len)
		return false;
	*rate = mant / div;
	return true;
}

static int parse_pattern(const char *v, size_t len, const char *q, struct migrate_spec *spec,
			 char *err, size_t errlen)
{
	char shown_v[SHOWN_MAX];
	uint64_t node;
	bool overflow;
	size_t n;

	if (word_eq(v, len, "pingpong")) {
		spec->pattern = SCHED_PINGPONG;
		return 0;
	}
	if (word_eq(v, len, "random")) {
		spec->pattern = SCHED_RANDOM;
		return 0;
	}
	if (len >= 3 && word_eq(v, 3, "to:")) {
		n = scan_u64(v + 3, &node, &overflow);
		if (n == 0 || n != len - 3) {
			text_set_err(err, errlen, "invalid migrate spec '%s': pattern '%s': expected to:NODE with a node number",
				q, shown(shown_v, v, len));
			return -1;
		}
		if (overflow || node > PARSE_MAX_NODE) {
			text_set_err(err, errlen, "invalid migrate spec '%s': pattern '%s': node out of range (0-%d)",
				q, shown(shown_v, v, len), PARSE_MAX_NODE);
			return -1;
		}
		spec->pattern = SCHED_TO_NODE;
		spec->to_node = (int)node;
		return 0;
	}
	text_set_err(err, errlen, "invalid migrate spec '%s': unknown pattern '%s' (use pingpong, random, to:NODE)",
		q, shown(shown_v, v, len));
	return -1;
}

static int parse_rate(const char *v, size_t len, const char *q, struct migrate_spec *spec,
		      char *err, size_t errlen)
{
	char shown_v[SHOWN_MAX];
	double rate;

	if (len == 0) {
		text_set_err(err, errlen, "invalid migrate spec '%s': rate: missing value (use rate=N/s)", q);
		return -1;
	}
	if (v[0] == '-') {
		text_set_err(err, errlen, "invalid migrate spec '%s': rate '%s' must be > 0", q,
			shown(shown_v, v, len));
		return -1;
	}
	if (!scan_rate(v, len, &rate)) {
		text_set_err(err, errlen, "invalid migrate spec '%s': rate '%s' is not a decimal number (use rate=N or rate=N/s)",
			q, shown(shown_v, v, len));
		return -1;
	}
	if (!(rate > 0.0) || rate > MIGRATE_MAX_RATE) {
		text_set_err(err, errlen, "invalid migrate spec '%s': rate '%s' out of range (must be > 0 and <= 10000000/s)",
			q, shown(shown_v, v, len));
		return -1;
	}
	spec->rate_per_s = rate;
	return 0;
}

int parse_migrate_spec(const char *s, struct migrate_spec *out, char *err, size_t errlen)
{
	struct migrate_spec spec = {
		.rate_per_s = MIGRATE_DEFAULT_RATE,
		.pattern = SCHED_PINGPONG,
		.to_node = -1,
	};
	char q[SHOWN_MAX], k[SHOWN_MAX];
	bool seen_rate = false, seen_pattern = false;
	const char *p = s ? s : "";

	shown(q, p, strlen(p));
	while (*p) {
		size_t elen = strcspn(p, ",");
		const char *eq = memchr(p, '=', elen);
		size_t klen = eq ? (size_t)(eq - p) : elen;
		const char *v = eq ? eq + 1 : p + elen;
		size_t vlen = eq ? elen - klen - 1 : 0;
		bool *seen;
		int rc;

		if (elen == 0) {
			text_set_err(err, errlen, "invalid migrate spec '%s': empty element", q);
			return -1;
		}
		if (!eq) {
			double r;
			struct migrate_spec pat;
			const char *hint = scan_rate(p, elen, &r)					  ? "rate="
					   : parse_pattern(p, elen, q, &pat, NULL, 0) == 0 ? "pattern="
											   : NULL;

			if (hint)
				text_set_err(err, errlen, "invalid migrate spec '%s': '%s' is not key=value; did you mean %s%s?",
					q, shown(k, p, elen), hint, k);
			else
				text_set_err(err, errlen, "invalid migrate spec '%s': '%s' is not key=value (use rate=N/s, pattern=NAME)",
					q, shown(k, p, elen));
			return -1;
		}
		if (word_eq(p, klen, "rate"))
			seen = &seen_rate;
		else if (word_eq(p, klen, "pattern"))
			seen = &seen_pattern;
		else {
			text_set_err(err, errlen, "invalid migrate spec '%s': unknown key '%s' (use rate, pattern)", q,
				shown(k, p, klen));
			return -1;
		}
		if (*seen) {
			text_set_err(err, errlen, "invalid migrate spec '%s': duplicate key '%s'", q,
				shown(k, p, klen));
			return -1;
		}
		*seen = true;
		if (seen == &seen_rate)
			rc = parse_rate(v, vlen, q, &spec, err, errlen);
		else
			rc = parse_pattern(v, vlen, q, &spec, err, errlen);
		if (rc < 0)
			return -1;
		p += elen;
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				text_set_err(err, errlen, "invalid migrate spec '%s': empty element", q);
				return -1;
			}
		}
	}
	*out = spec;
	return 0;
}

/* ---- guest parameters --------------------------------------------------- */

static int hex_digit(char c)
{
	c = lower(c);
	return is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

int parse_param(const char *s, char *name, size_t name_len, uint64_t *value, char *err, size_t errlen)
{
	char q[SHOWN_MAX];
	const char *eq = s ? strchr(s, '=') : NULL, *v;
	size_t n, i;
	uint64_t x = 0;

	shown(q, s ? s : "", s ? strlen(s) : 0);
	if (!eq) {
		text_set_err(err, errlen, "invalid parameter '%s': expected NAME=VALUE (e.g. passes=10)", q);
		return -1;
	}
	n = (size_t)(eq - s);
	if (n == 0 || n >= name_len) {
		text_set_err(err, errlen, "invalid parameter '%s': the name must have 1 to %zu characters", q,
			name_len - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!(is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')) {
			text_set_err(err, errlen, "invalid parameter '%s': names use a-z, 0-9 and _", q);
			return -1;
		}
	v = eq + 1;
	if (v[0] == '0' && lower(v[1]) == 'x' && v[2]) {
		for (i = 2; v[i]; i++) {
			int d = hex_digit(v[i]);

			if (d < 0 || x >> 60) {
				text_set_err(err, errlen, "invalid parameter '%s': bad or too large hex value", q);
				return -1;
			}
			x = x << 4 | (uint64_t)d;
		}
	} else if (parse_u64_range(v, 0, UINT64_MAX, &x, "parameter value", err, errlen)) {
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	*value = x;
	return 0;
}

int parse_strategy(const char *s, enum mig_strategy *out, char *err, size_t errlen)
{
	int v = mig_strategy_of(s);

	if (v < 0) {
		snprintf(err, errlen, "unknown strategy '%.64s' (unmap-copy, stop-the-world, precopy, auto)", s);
		return -1;
	}
	*out = (enum mig_strategy)v;
	return 0;
}

int parse_fault_plan(const char *s, struct fault_plan *out, char *err, size_t errlen)
{
	struct fault_plan plan = { FP_NONE, 0, 0 };
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char num[32];

	plan.point = faultpoint_by_name(s, c1 ? (size_t)(c1 - s) : strlen(s));
	if (plan.point == FP_NONE) {
		text_set_err(err, errlen, "unknown fault point in '%.64s' (no-free-frame, mbind, invalidate, kvm-run, alloc)", s);
		return -1;
	}
	if (c1) {
		size_t n = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);

		if (n >= sizeof(num)) {
			text_set_err(err, errlen, "invalid count in '%.64s'", s);
			return -1;
		}
		memcpy(num, c1 + 1, n);
		num[n] = 0;
		if (parse_u64_range(num, 0, UINT64_MAX, &plan.after, "AFTER", err, errlen) ||
		    (c2 && parse_u64_range(c2 + 1, 1, UINT64_MAX, &plan.count, "COUNT", err, errlen)))
			return -1;
	}
	*out = plan;
	return 0;
}
