/* numig: the CLI. Turns errors into one message and a documented exit code;
 * the only place that prints errors or ends the process. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "tap.h"
#include "vmm/report/report.h"
#include "vmm/vm/run.h"

static volatile sig_atomic_t signalled;
static void on_signal(int sig)
{
	(void)sig;
	signalled = 1;
}

static int install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ? -1 : 0;
}

/* An error before or instead of a report: one message, and with --tap the
 * test point. */
static int fail(int tap, const char *name, int code, const char *msg)
{
	fprintf(stderr, "numig: %s\n", msg);
	return tap ? tap_end(stdout, name, code, msg) : code;
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config cfg;
	struct run_outcome out;
	enum cli_action action;
	struct nerr e = { 0, "" };
	char err[256], name[320];
	int tap = tap_requested(argc, argv);
	FILE *report = stdout, *diag = NULL;

	if (cli_parse(argc, argv, &cfg, &action, &e)) {
		if (tap)
			tap_begin(stdout);
		return fail(tap, "numig run", e.code, e.msg);
	}
	if (action == CLI_HELP) {
		cli_usage(stdout);
		return 0;
	}
	if (action == CLI_VERSION) {
		printf("numig %s\n", NUMIG_VERSION);
		return 0;
	}
	snprintf(name, sizeof(name), "numig run --guest %.256s", cfg.guest);
	if (tap) {
		tap_begin(stdout);
		/* Everything but the test point is a "# " diagnostic. */
		diag = tap_diag_open(stdout);
		if (!diag)
			return fail(tap, name, NUMIG_EXIT_INTERNAL, "cannot open the TAP diagnostic stream");
		report = diag;
	}
	if (cli_resolve_guest(&cfg, argv[0], &e)) {
		if (diag)
			fclose(diag);
		return fail(tap, name, e.code, e.msg);
	}
	/* Guest output goes to stderr with --json, so stdout stays one document. */
	cfg.console = cfg.quiet ? NULL : (cfg.json ? stderr : report);
	if (!cfg.quiet && !tap && isatty(STDERR_FILENO))
		cfg.progress = progress_show;
	if (install_stop_signals()) {
		if (diag)
			fclose(diag);
		return fail(tap, name, NUMIG_EXIT_INTERNAL, "cannot install SIGINT/SIGTERM handlers");
	}
	if (machine_create(&m, &cfg, &e) || machine_run(&m, &signalled, &e)) {
		machine_end_console_line(&m);
		machine_destroy(&m);
		if (diag)
			fclose(diag);
		return fail(tap, name, e.code ? e.code : NUMIG_EXIT_INTERNAL, e.msg);
	}
	machine_end_console_line(&m); /* the vCPU threads are gone: no lock needed */
	outcome_decide(&m, &out);
	if (cfg.json)
		report_json(stdout, &m, &out);
	else
		report_human(report, &m, &out);
	if (cfg.plot_path && report_plot(cfg.plot_path, &m, err, sizeof(err)))
		fprintf(stderr, "numig: --plot: %s\n", err);
	if (out.exit_code)
		fprintf(stderr, "numig: %s\n", out.message);
	machine_destroy(&m);
	if (!tap)
		return out.exit_code;
	fclose(diag);
	return tap_end(stdout, name, out.exit_code, out.message);
}
