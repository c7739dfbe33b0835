/* The progress line: rates over the last interval, not cumulative counts. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/cli/progress.h"

#include <string.h>

int main(void)
{
	struct progress_figures a = { .t_s = 1.0, .ops = 1000, .migrations = 100, .guard_flushes = 10 };
	struct progress_figures b = { .t_s = 2.0, .ops = 3000, .migrations = 600, .guard_flushes = 60 };
	char line[256];

	progress_format(line, sizeof(line), &a, &b, 3.0);
	OK(!strcmp(line, "[   2.0 / 3.0 s] 2e+03 ops/s, 500 migrations/s, 50 guard flushes/s"),
	   "elapsed / total and the rates of the last interval: '%s'", line);
	b.checks = 1;
	b.lost = 2;
	b.corrupt = 5;
	progress_format(line, sizeof(line), &a, &b, 0);
	OK(!strcmp(line, "[   2.0 s] 2e+03 ops/s, 500 migrations/s, 50 guard flushes/s, lost 2, corrupt 5"),
	   "no total without a set length; lost and corrupt so far when the guest reports them: '%s'", line);
	b.t_s = a.t_s;
	progress_format(line, sizeof(line), &a, &b, 3.0);
	OK(strstr(line, " 0 ops/s, 0 migrations/s, 0 guard flushes/s") != NULL, "no interval: rates 0, not inf: '%s'", line);
	b.t_s = 2.0;
	b.ops = 10; /* a guest may lower its counter: no negative rate */
	progress_format(line, sizeof(line), &a, &b, 3.0);
	OK(strstr(line, " 0 ops/s,") != NULL, "a counter that went down gives 0, not a huge rate: '%s'", line);
	progress_format(line, 12, &a, &b, 3.0);
	OK(strlen(line) == 11, "a short buffer is cut, never overrun: '%s'", line);
	return tap_done();
}
