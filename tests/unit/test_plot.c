/* Unit tests for vmm/report/plot.c: document structure, panel content, escaping,
 * decimation, empty data and I/O errors; xmllint checks well-formedness
 * when it is installed. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/report/plot.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/numig_test_plot_XXXXXX";
static char err[512];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* "<g>" or "<g ..." openings (not "<glyph" etc.) */
static int count_g_open(const char *s)
{
	int n = 0;

	while ((s = strstr(s, "<g"))) {
		if (s[2] == ' ' || s[2] == '>')
			n++;
		s += 2;
	}
	return n;
}

static void check_structure(const char *doc, const char *what)
{
	size_t len = strlen(doc);

	while (len && (doc[len - 1] == '\n' || doc[len - 1] == ' '))
		len--;
	OK(strncmp(doc, "<svg", 4) == 0, "%s: starts with <svg", what);
	OK(len >= 6 && strncmp(doc + len - 6, "</svg>", 6) == 0, "%s: ends with </svg>", what);
	OK(count_g_open(doc) == count_str(doc, "</g>") && count_g_open(doc) > 0,
	   "%s: balanced <g> (%d) and </g> (%d)", what, count_g_open(doc), count_str(doc, "</g>"));
	OK(!strstr(doc, "href") && !strstr(doc, "<script") && !strstr(doc, "url("),
	   "%s: no external resources", what);
}

static int have_xmllint;

static void check_xmllint(const char *path, const char *what)
{
	char cmd[512];

	if (!have_xmllint) {
		tap_skip(what, "xmllint not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	OK(system(cmd) == 0, "%s", what);
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void test_full_report(void)
{
	uint64_t fault[64] = { 0 }, migrate[20] = { 0 };
	double t[50], v[50], t2[5] = { 0, 1, 2, 3, 4 }, v2[5] = { 1, 2, NAN, 4, 5 };
	struct plot_hist h[] = {
		{ "fault-resolve", fault, 64, 1100, 4000, false },
		{ "migrate<copy>&map", migrate, 20, 0, 0, false },
		{ "empty-phase", NULL, 0, 0, 0, false },
	};
	struct plot_series s[] = {
		{ "throughput", "Mops/s", t, v, 50 },
		{ "gappy", NULL, t2, v2, 5 },
		{ "idle-series", "pages", t, v, 0 },
	};
	char path[256], *doc;
	int i;

	fault[3] = 5;    /* 8..16 ns */
	fault[10] = 100; /* ~1 µs */
	fault[12] = 40;
	migrate[21 - 2] = 7; /* 2^19 ns ~ 0.5 ms */
	for (i = 0; i < 50; i++) {
		t[i] = i * 0.1;
		v[i] = 100 + 10 * (i % 7);
	}
	path_in(path, sizeof(path), "report.svg");
	err[0] = '\0';
	OK(plot_write_svg(path, "numig run: \"demo\" <1>", h, 3, s, 3, err, sizeof(err)) == 0,
	   "full report written (%s)", err);
	doc = slurp(path, NULL);
	if (!OK(doc != NULL, "report readable"))
		return;
	check_structure(doc, "report");
	OK(count_str(doc, "class=\"panel\"") == 4, "one panel per histogram and series with data (%d)",
	   count_str(doc, "class=\"panel\""));
	OK(strstr(doc, ">fault-resolve<") && strstr(doc, "migrate&lt;copy&gt;&amp;map") &&
		   strstr(doc, ">throughput<") && strstr(doc, ">gappy<"),
	   "every panel name present (XML-escaped)");
	OK(!strstr(doc, ">empty-phase<") && !strstr(doc, ">idle-series<"), "no empty panels (issue 11)");
	OK(count_str(doc, "class=\"p50\"") == 1 && count_str(doc, "class=\"p99\"") == 1 &&
		   strstr(doc, ">p50 1.1\xc2\xb5s<") && strstr(doc, ">p99 4\xc2\xb5s<"),
	   "p50 and p99 marked and labelled on the histogram that has them");
	OK(strstr(doc, "numig run: &quot;demo&quot; &lt;1&gt;") != NULL, "title escaped");
	OK(!strstr(doc, "<copy>"), "raw markup from names never leaks");
	OK(count_str(doc, "no samples") == 0, "no 'no samples' panel when others have data (%d)",
	   count_str(doc, "no samples"));
	OK(strstr(doc, "(n=145)") != NULL, "histogram panel shows its total count");
	OK(strstr(doc, "8ns") && strstr(doc, "1.02\xc2\xb5s") && strstr(doc, "524\xc2\xb5s"),
	   "x axis labelled in ns and µs");
	OK(strstr(doc, "[1.02\xc2\xb5s, 2.05\xc2\xb5s): 100") != NULL,
	   "bar tooltip gives bucket range and count");
	OK(strstr(doc, ">50<") && strstr(doc, ">100<") && strstr(doc, ">200<"),
	   "values 100..160: the y axis runs from 0 to 200 in steps of 50");
	OK(strstr(doc, ">0s<") && strstr(doc, ">1s<") && strstr(doc, ">2s<") && strstr(doc, ">4s<"),
	   "times 0..4.9 s: ticks every second from 0s");
	OK(strstr(doc, "(Mops/s)") != NULL, "series unit shown");
	/* throughput: one line; gappy: NaN splits it into two */
	OK(count_str(doc, "<polyline") == 3, "NaN breaks a series into separate lines (%d polylines)",
	   count_str(doc, "<polyline"));
	free(doc);
	check_xmllint(path, "report is well-formed XML (xmllint)");
}

static void test_edge_data(void)
{
	static double t[1000000], v[1000000];
	double one_t = 5, one_v = 42, inf_v = INFINITY;
	double flat_t[3] = { 1, 2, 3 }, flat_v[3] = { 7, 7, 7 };
	double huge_t[2] = { -1e308, 1e308 }, huge_v[2] = { -1e308, 1e308 };
	uint64_t top[64] = { 0 };
	struct plot_hist h[] = { { "top-bucket", top, 64, 0, 0, false } };
	struct plot_series s[] = {
		{ "dense", "ns", t, v, 1000000 },
		{ "single", "x", &one_t, &one_v, 1 },
		{ "all-inf", NULL, &one_t, &inf_v, 1 },
		{ "flat", NULL, flat_t, flat_v, 3 },
		{ "huge", NULL, huge_t, huge_v, 2 },
		{ "\x01" "ctl\xff" "bad", NULL, flat_t, flat_v, 3 },
		{ "null-arrays", NULL, NULL, NULL, 3 },
	};
	char path[256], *doc;
	size_t len, i;

	top[63] = UINT64_MAX;
	for (i = 0; i < 1000000; i++) {
		t[i] = (double)i / 1000.0;
		v[i] = (double)(i % 1000);
	}
	v[500000] = 1e6; /* a single spike must survive decimation */
	path_in(path, sizeof(path), "edge.svg");
	OK(plot_write_svg(path, NULL, h, 1, s, 7, err, sizeof(err)) == 0, "edge report written (%s)",
	   err);
	doc = slurp(path, &len);
	if (!OK(doc != NULL, "edge report readable"))
		return;
	check_structure(doc, "edge");
	OK(len < 300000, "1e6-point series decimated (file %zu bytes)", len);
	OK(strstr(doc, ">1e+06<") != NULL, "spike sets the y max label");
	OK(strstr(doc, ",36 ") || strstr(doc, ",36\""),
	   "spike reaches the top of the plot area (y=36)");
	OK(strstr(doc, "<circle") != NULL, "single-point series drawn as a dot");
	OK(count_str(doc, "no samples") == 0 && !strstr(doc, ">all-inf<") && !strstr(doc, ">null-arrays<"),
	   "all-non-finite and NULL-array series get no panel");
	OK(strstr(doc, ">flat<") && strstr(doc, ">8<") && strstr(doc, ">6<"),
	   "flat series at 7: y axis 0..8 with round ticks");
	OK(strstr(doc, ">18446744073709551615<") != NULL,
	   "UINT64_MAX count in bucket 63 handled");
	OK(strstr(doc, " ctl?bad") != NULL, "control and invalid UTF-8 bytes replaced");
	OK(strstr(doc, ">numig<") != NULL, "NULL title falls back to numig");
	free(doc);
	check_xmllint(path, "edge report is well-formed XML (xmllint)");
}

static void test_empty(void)
{
	char path[256], *doc;

	path_in(path, sizeof(path), "empty.svg");
	OK(plot_write_svg(path, "nothing", NULL, 0, NULL, 0, err, sizeof(err)) == 0,
	   "no panels at all is fine");
	doc = slurp(path, NULL);
	if (!OK(doc != NULL, "empty report readable"))
		return;
	check_structure(doc, "empty");
	OK(count_str(doc, "no samples") == 1 && count_str(doc, "class=\"panel\"") == 1,
	   "one 'no samples' panel");
	free(doc);
	check_xmllint(path, "empty report is well-formed XML (xmllint)");
}

/* log_y (the guest-felt panel): a one-sample tail next to a million stays
 * visible, log1p(1) / log1p(1e6) of the plot's 132 px = 7 px; linear, it
 * gets the 1 px minimum. */
static void test_log_y(void)
{
	uint64_t b[32] = { 0 };
	struct plot_hist h[] = { { "tail", b, 32, 0, 0, true }, { "lin", b, 32, 0, 0, false } };
	char path[256], *doc, *lin;

	b[10] = 1000000;
	b[20] = 1;
	path_in(path, sizeof(path), "logy.svg");
	OK(plot_write_svg(path, "t", h, 2, NULL, 0, err, sizeof(err)) == 0, "log-y report written (%s)", err);
	doc = slurp(path, NULL);
	if (!OK(doc != NULL, "log-y report readable"))
		return;
	lin = strstr(doc, ">lin<");
	OK(lin && strstr(doc, "height=\"7\"><title>[1.05ms, 2.1ms): 1<") &&
		   strstr(doc, "height=\"7\"><title>[1.05ms, 2.1ms): 1<") < lin &&
		   strstr(lin, "height=\"1\"><title>[1.05ms, 2.1ms): 1<"),
	   "a 1-sample bar beside 1e6 is 7 px on a log scale, 1 px on a linear one");
	OK(count_str(doc, "count (log scale)") == 1, "the log panel says so on its y axis");
	free(doc);
}

static void test_errors(void)
{
	struct plot_hist h = { "x", NULL, 0, 0, 0, false };
	char path[256];
	int rc;

	path_in(path, sizeof(path), "missing-dir/out.svg");
	err[0] = '\0';
	rc = plot_write_svg(path, "t", &h, 1, NULL, 0, err, sizeof(err));
	OK(rc == -1 && strstr(err, "missing-dir/out.svg") && strstr(err, "No such file"),
	   "missing directory: -1 with message (%s)", err);
	OK(access(path, F_OK) != 0, "nothing created in a missing directory");

	err[0] = '\0';
	OK(plot_write_svg(NULL, "t", NULL, 0, NULL, 0, err, sizeof(err)) == -1 && err[0],
	   "NULL path: -1 with message (%s)", err);
	err[0] = '\0';
	OK(plot_write_svg(path, "t", NULL, 2, NULL, 0, err, sizeof(err)) == -1 && err[0],
	   "nh > 0 with NULL array: -1 with message (%s)", err);
	OK(plot_write_svg(NULL, "t", NULL, 0, NULL, 0, NULL, 0) == -1, "NULL err buffer is safe");
}

/* A write failure mid-file (file size limit in a child process) must return
 * -1 with a message and remove the partial file. */
static void test_write_error(void)
{
	char path[256];
	pid_t pid;
	int status = -1;

	path_in(path, sizeof(path), "too-big.svg");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 2048, 2048 };
		static double t[5000], v[5000];
		struct plot_series s = { "big", NULL, t, v, 5000 };
		char msg[512] = "";
		size_t i;

		for (i = 0; i < 5000; i++) {
			t[i] = (double)i;
			v[i] = (double)(i * 7919 % 1000);
		}
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
		if (plot_write_svg(path, "t", NULL, 0, &s, 1, msg, sizeof(msg)) != -1)
			_exit(1);
		if (!strstr(msg, "cannot write") || !strstr(msg, "too-big.svg"))
			_exit(2);
		if (access(path, F_OK) == 0)
			_exit(3);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	OK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "write error: -1, message names the file, partial file removed (child status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
	char path[256];

	if (!OK(mkdtemp(dir) != NULL, "temp dir created"))
		return tap_done();
	have_xmllint = system("command -v xmllint >/dev/null 2>&1") == 0;

	test_full_report();
	test_edge_data();
	test_empty();
	test_log_y();
	test_errors();
	test_write_error();

	path_in(path, sizeof(path), "report.svg");
	remove(path);
	path_in(path, sizeof(path), "edge.svg");
	remove(path);
	path_in(path, sizeof(path), "empty.svg");
	remove(path);
	path_in(path, sizeof(path), "logy.svg");
	remove(path);
	OK(rmdir(dir) == 0, "temp dir cleaned up");
	return tap_done();
}
