/* Tiny streaming JSON writer to a FILE*, pretty-printed with 2-space
 * indentation:
 *
 *   {
 *     "name": "numig",
 *     "phases": [
 *       1,
 *       2
 *     ],
 *     "empty": {}
 *   }
 *
 * The writer tracks nesting (up to JSON_MAX_DEPTH) and places commas itself.
 * Each complete top-level value is followed by a newline.
 *
 * Every call returns 0 or a negative errno: -EINVAL for misuse (a value in
 * an object without a key, a key outside an object, mismatched end, nesting
 * deeper than JSON_MAX_DEPTH), -EIO when the stream fails. The first error
 * is sticky: it is kept in w->err and every later call returns it without
 * writing, so checking the last call (or w->err) is enough.
 */
#ifndef NUMIG_VMM_JSON_H
#define NUMIG_VMM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_w {
	FILE *f;
	int depth;
	int err;
	bool after_key; /* a key was written; its value comes next */
	struct json_level {
		bool is_array;
		bool has_items;
	} stack[JSON_MAX_DEPTH];
};

void json_init(struct json_w *w, FILE *f);

int json_obj_begin(struct json_w *w);
int json_obj_end(struct json_w *w);
int json_arr_begin(struct json_w *w);
int json_arr_end(struct json_w *w);

/* Object member name; the next call must write its value. */
int json_key(struct json_w *w, const char *name);

/* Strings are escaped per RFC 8259 (", \, control characters; \n \t \r \b
 * \f in short form, others as \u00XX). Bytes that are not valid UTF-8 are
 * written as \ufffd so the output is always valid JSON. NULL writes null. */
int json_str(struct json_w *w, const char *s);
int json_u64(struct json_w *w, uint64_t v);
int json_i64(struct json_w *w, int64_t v);
/* Finite values with up to 6 significant digits ("%.6g", always with '.'
 * as decimal point); NaN and infinities are written as null. */
int json_double(struct json_w *w, double v);
int json_bool(struct json_w *w, bool v);
int json_null(struct json_w *w);

/* key + value in one call. */
int json_kv_str(struct json_w *w, const char *key, const char *v);
int json_kv_u64(struct json_w *w, const char *key, uint64_t v);
int json_kv_i64(struct json_w *w, const char *key, int64_t v);
int json_kv_double(struct json_w *w, const char *key, double v);
int json_kv_bool(struct json_w *w, const char *key, bool v);

#endif
