/* Unit tests for vmm/report/json.c: exact pretty-printed output, escaping, number
 * formatting, misuse detection and stream errors. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/report/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mem {
	FILE *f;
	char *buf;
	size_t len;
	struct json_w w;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	json_init(&m->w, m->f);
}

/* Closes the stream and compares the whole output with `want`. */
static void mem_expect(struct mem *m, const char *want, const char *name)
{
	fclose(m->f);
	if (!OK(m->buf && strcmp(m->buf, want) == 0, "%s", name))
		tap_diag("got:\n%s\n# want:\n%s", m->buf ? m->buf : "(null)", want);
	free(m->buf);
}

static void test_nested(void)
{
	struct mem m;
	struct json_w *w = &m.w;
	int rc = 0;

	mem_open(&m);
	rc |= json_obj_begin(w);
	rc |= json_kv_str(w, "name", "numig");
	rc |= json_kv_u64(w, "vcpus", 4);
	rc |= json_kv_i64(w, "neg", -5);
	rc |= json_kv_bool(w, "ok", true);
	rc |= json_key(w, "none");
	rc |= json_null(w);
	rc |= json_key(w, "phases");
	rc |= json_arr_begin(w);
	rc |= json_obj_begin(w);
	rc |= json_kv_double(w, "p50", 1.5);
	rc |= json_key(w, "list");
	rc |= json_arr_begin(w);
	rc |= json_u64(w, 1);
	rc |= json_i64(w, 2);
	rc |= json_arr_end(w);
	rc |= json_obj_end(w);
	rc |= json_arr_begin(w);
	rc |= json_arr_end(w);
	rc |= json_str(w, "x");
	rc |= json_bool(w, false);
	rc |= json_arr_end(w);
	rc |= json_key(w, "empty");
	rc |= json_obj_begin(w);
	rc |= json_obj_end(w);
	rc |= json_obj_end(w);
	OK(rc == 0 && w->depth == 0 && w->err == 0, "nested document: every call returns 0");
	mem_expect(&m,
		   "{\n"
		   "  \"name\": \"numig\",\n"
		   "  \"vcpus\": 4,\n"
		   "  \"neg\": -5,\n"
		   "  \"ok\": true,\n"
		   "  \"none\": null,\n"
		   "  \"phases\": [\n"
		   "    {\n"
		   "      \"p50\": 1.5,\n"
		   "      \"list\": [\n"
		   "        1,\n"
		   "        2\n"
		   "      ]\n"
		   "    },\n"
		   "    [],\n"
		   "    \"x\",\n"
		   "    false\n"
		   "  ],\n"
		   "  \"empty\": {}\n"
		   "}\n",
		   "nested objects/arrays pretty-printed exactly");
}

static void test_empty_and_toplevel(void)
{
	struct mem m;

	mem_open(&m);
	json_obj_begin(&m.w);
	json_obj_end(&m.w);
	mem_expect(&m, "{}\n", "empty object is {}");

	mem_open(&m);
	json_arr_begin(&m.w);
	json_arr_end(&m.w);
	mem_expect(&m, "[]\n", "empty array is []");

	mem_open(&m);
	json_u64(&m.w, 7);
	json_str(&m.w, "s");
	json_arr_begin(&m.w);
	json_null(&m.w);
	json_arr_end(&m.w);
	mem_expect(&m, "7\n\"s\"\n[\n  null\n]\n", "top-level values each end with a newline");
}

static void test_escaping(void)
{
	struct mem m;

	mem_open(&m);
	json_str(&m.w, "q\"b\\s/ n\n t\t r\r b\b f\f \x01\x1f\x7f");
	mem_expect(&m, "\"q\\\"b\\\\s/ n\\n t\\t r\\r b\\b f\\f \\u0001\\u001f\x7f\"\n",
		   "quotes, backslash, short escapes, other controls as \\u00XX");

	mem_open(&m);
	/* é (2 bytes), € (3), 😀 (4): valid UTF-8 passes through unchanged. */
	json_str(&m.w, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	mem_expect(&m, "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n", "valid UTF-8 passes through");

	mem_open(&m);
	/* lone 0xff, overlong '/', surrogate U+D800, > U+10FFFF, truncated € */
	json_str(&m.w, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf4\x90\x80\x80" "e\xe2\x82");
	mem_expect(&m,
		   "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffd\\ufffde\\ufffd\\ufffd\"\n",
		   "invalid UTF-8 bytes become \\ufffd one by one");

	mem_open(&m);
	json_obj_begin(&m.w);
	json_kv_str(&m.w, "k\"\n", "");
	json_kv_str(&m.w, "n", NULL);
	json_obj_end(&m.w);
	mem_expect(&m, "{\n  \"k\\\"\\n\": \"\",\n  \"n\": null\n}\n",
		   "keys are escaped too; empty string; NULL string is null");
}

static void test_numbers(void)
{
	struct mem m;

	mem_open(&m);
	json_arr_begin(&m.w);
	json_u64(&m.w, UINT64_MAX);
	json_i64(&m.w, INT64_MIN);
	json_double(&m.w, 0.1);
	json_double(&m.w, 100.0);
	json_double(&m.w, 3.14159265);
	json_double(&m.w, 1234567.0);
	json_double(&m.w, 1e-7);
	json_double(&m.w, -2.5);
	json_double(&m.w, 0.0);
	json_double(&m.w, NAN);
	json_double(&m.w, INFINITY);
	json_double(&m.w, -INFINITY);
	json_arr_end(&m.w);
	mem_expect(&m,
		   "[\n  18446744073709551615,\n  -9223372036854775808,\n  0.1,\n  100,\n"
		   "  3.14159,\n  1.23457e+06,\n  1e-07,\n  -2.5,\n  0,\n  null,\n  null,\n"
		   "  null\n]\n",
		   "integers exact; doubles %%.6g; NaN/inf as null");

	/* A comma decimal point must not leak into JSON. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		mem_open(&m);
		json_double(&m.w, 1.5);
		mem_expect(&m, "1.5\n", "decimal point is '.' under a ',' locale");
		setlocale(LC_NUMERIC, "C");
	} else {
		tap_skip("decimal point is '.' under a ',' locale", "no de_DE/fr_FR locale installed");
	}
}

static void test_misuse(void)
{
	struct mem m;
	int i, rc;

	mem_open(&m);
	json_obj_begin(&m.w);
	OK(json_u64(&m.w, 1) == -EINVAL, "value in object without key is -EINVAL");
	OK(json_key(&m.w, "late") == -EINVAL && json_obj_end(&m.w) == -EINVAL,
	   "error is sticky: later calls return it");
	mem_expect(&m, "{", "nothing is written after the error");

	mem_open(&m);
	json_arr_begin(&m.w);
	OK(json_key(&m.w, "k") == -EINVAL, "key inside an array is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	OK(json_key(&m.w, "k") == -EINVAL, "key at top level is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	json_obj_begin(&m.w);
	OK(json_arr_end(&m.w) == -EINVAL, "arr_end closing an object is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	OK(json_obj_end(&m.w) == -EINVAL, "end at depth 0 is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	json_obj_begin(&m.w);
	json_key(&m.w, "a");
	OK(json_key(&m.w, "b") == -EINVAL, "two keys in a row is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	json_obj_begin(&m.w);
	json_key(&m.w, "a");
	OK(json_obj_end(&m.w) == -EINVAL, "closing an object after a dangling key is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	OK(json_obj_begin(&m.w) == 0 && json_kv_str(&m.w, NULL, "v") == -EINVAL,
	   "NULL key is -EINVAL");
	fclose(m.f);
	free(m.buf);

	mem_open(&m);
	rc = 0;
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		rc |= json_arr_begin(&m.w);
	OK(rc == 0 && m.w.depth == JSON_MAX_DEPTH, "nesting %d deep is allowed", JSON_MAX_DEPTH);
	OK(json_arr_begin(&m.w) == -EINVAL, "nesting %d deep is -EINVAL", JSON_MAX_DEPTH + 1);
	fclose(m.f);
	free(m.buf);
}

static void test_io_error(void)
{
	struct json_w w;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		tap_skip("write error is -EIO", "/dev/full not available");
	} else {
		setvbuf(f, NULL, _IONBF, 0); /* make the write fail now, not at fclose */
		json_init(&w, f);
		OK(json_obj_begin(&w) == -EIO && w.err == -EIO, "write error is -EIO");
		OK(json_obj_end(&w) == -EIO, "-EIO is sticky");
		fclose(f);
	}
	json_init(&w, NULL);
	OK(json_null(&w) == -EINVAL, "NULL stream is -EINVAL");
}

int main(void)
{
	test_nested();
	test_empty_and_toplevel();
	test_escaping();
	test_numbers();
	test_misuse();
	test_io_error();
	return tap_done();
}
