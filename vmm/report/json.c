/* Streaming pretty-printing JSON writer. */
#include "json.h"
#include "text.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <string.h>

void json_init(struct json_w *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	if (!f)
		w->err = -EINVAL;
}

static int fail(struct json_w *w, int e)
{
	if (!w->err)
		w->err = e;
	return w->err;
}

static void put_n(struct json_w *w, const char *s, size_t n)
{
	if (!w->err && n && fwrite(s, 1, n, w->f) != n)
		w->err = -EIO;
}

static void put(struct json_w *w, const char *s)
{
	put_n(w, s, strlen(s));
}

static void newline_indent(struct json_w *w, int depth)
{
	put(w, "\n");
	while (depth-- > 0)
		put(w, "  ");
}


static void put_string(struct json_w *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s; /* start of bytes that need no escaping */
	char esc[8];

	put(w, "\"");
	while (*s) {
		const char *rep = NULL;
		size_t len = 1;

		switch (*s) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\t': rep = "\\t"; break;
		case '\r': rep = "\\r"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		default:
			if (*s < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				rep = esc;
			} else if (*s >= 0x80) {
				len = text_utf8_len(s);
				if (len == 0) {
					rep = "\\ufffd";
					len = 1;
				}
			}
		}
		if (rep) {
			put_n(w, (const char *)run, (size_t)(s - run));
			put(w, rep);
			run = s + len;
		}
		s += len;
	}
	put_n(w, (const char *)run, (size_t)(s - run));
	put(w, "\"");
}

/* Placement before any value: inside an array it needs a separator and its
 * own line; inside an object it must follow a key. */
static int begin_value(struct json_w *w)
{
	if (w->err)
		return w->err;
	if (w->depth > 0) {
		struct json_level *top = &w->stack[w->depth - 1];

		if (!top->is_array) {
			if (!w->after_key)
				return fail(w, -EINVAL);
			w->after_key = false;
			return 0;
		}
		if (top->has_items)
			put(w, ",");
		newline_indent(w, w->depth);
		top->has_items = true;
	}
	return w->err;
}

static int end_value(struct json_w *w)
{
	if (w->depth == 0)
		put(w, "\n");
	return w->err;
}

static int scalar(struct json_w *w, const char *text)
{
	int rc = begin_value(w);

	if (rc)
		return rc;
	put(w, text);
	return end_value(w);
}

static int open_container(struct json_w *w, bool is_array)
{
	if (w->err)
		return w->err;
	if (w->depth == JSON_MAX_DEPTH)
		return fail(w, -EINVAL);
	if (begin_value(w))
		return w->err;
	put(w, is_array ? "[" : "{");
	w->stack[w->depth].is_array = is_array;
	w->stack[w->depth].has_items = false;
	w->depth++;
	return w->err;
}

static int close_container(struct json_w *w, bool is_array)
{
	bool had_items;

	if (w->err)
		return w->err;
	if (w->depth == 0 || w->stack[w->depth - 1].is_array != is_array || w->after_key)
		return fail(w, -EINVAL);
	had_items = w->stack[w->depth - 1].has_items;
	w->depth--;
	/* Empty containers stay on one line: {} and []. */
	if (had_items)
		newline_indent(w, w->depth);
	put(w, is_array ? "]" : "}");
	return end_value(w);
}

int json_obj_begin(struct json_w *w)
{
	return open_container(w, false);
}

int json_obj_end(struct json_w *w)
{
	return close_container(w, false);
}

int json_arr_begin(struct json_w *w)
{
	return open_container(w, true);
}

int json_arr_end(struct json_w *w)
{
	return close_container(w, true);
}

int json_key(struct json_w *w, const char *name)
{
	struct json_level *top;

	if (w->err)
		return w->err;
	if (!name || w->depth == 0 || w->after_key)
		return fail(w, -EINVAL);
	top = &w->stack[w->depth - 1];
	if (top->is_array)
		return fail(w, -EINVAL);
	if (top->has_items)
		put(w, ",");
	newline_indent(w, w->depth);
	put_string(w, name);
	put(w, ": ");
	top->has_items = true;
	w->after_key = true;
	return w->err;
}

int json_str(struct json_w *w, const char *s)
{
	int rc;

	if (!s)
		return json_null(w);
	rc = begin_value(w);
	if (rc)
		return rc;
	put_string(w, s);
	return end_value(w);
}

int json_u64(struct json_w *w, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return scalar(w, buf);
}

int json_i64(struct json_w *w, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return scalar(w, buf);
}

int json_double(struct json_w *w, double v)
{
	const char *dp = localeconv()->decimal_point;
	char buf[48], *pos;
	size_t dlen;

	if (!isfinite(v))
		return scalar(w, "null");
	snprintf(buf, sizeof(buf), "%.6g", v);
	/* printf follows LC_NUMERIC; JSON always wants '.'. */
	if (dp && strcmp(dp, ".") != 0 && (dlen = strlen(dp)) > 0 && (pos = strstr(buf, dp))) {
		*pos = '.';
		memmove(pos + 1, pos + dlen, strlen(pos + dlen) + 1);
	}
	return scalar(w, buf);
}

int json_bool(struct json_w *w, bool v)
{
	return scalar(w, v ? "true" : "false");
}

int json_null(struct json_w *w)
{
	return scalar(w, "null");
}

int json_kv_str(struct json_w *w, const char *key, const char *v)
{
	return json_key(w, key) ? w->err : json_str(w, v);
}

int json_kv_u64(struct json_w *w, const char *key, uint64_t v)
{
	return json_key(w, key) ? w->err : json_u64(w, v);
}

int json_kv_i64(struct json_w *w, const char *key, int64_t v)
{
	return json_key(w, key) ? w->err : json_i64(w, v);
}

int json_kv_double(struct json_w *w, const char *key, double v)
{
	return json_key(w, key) ? w->err : json_double(w, v);
}

int json_kv_bool(struct json_w *w, const char *key, bool v)
{
	return json_key(w, key) ? w->err : json_bool(w, v);
}
