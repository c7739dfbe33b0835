/* numig: the CLI. Turns errors into one message and a documented exit code;
 * the only place that prints errors or ends the process. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
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

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config cfg;
	struct run_outcome out;
	enum cli_action action;
	struct nerr e = { 0, "" };
	char err[256];

	if (cli_parse(argc, argv, &cfg, &action, &e)) {
		fprintf(stderr, "numig: %s\n", e.msg);
		return e.code;
	}
	if (action == CLI_HELP) {
		cli_usage(stdout);
		return 0;
	}
	if (action == CLI_VERSION) {
		printf("numig %s\n", NUMIG_VERSION);
		return 0;
	}
	if (cli_resolve_guest(&cfg, argv[0], &e)) {
		fprintf(stderr, "numig: %s\n", e.msg);
		return e.code;
	}
	/* Guest output goes to stderr with --json, so stdout stays one document. */
	cfg.console = cfg.quiet ? NULL : (cfg.json ? stderr : stdout);
	if (!cfg.quiet && isatty(STDERR_FILENO))
		cfg.progress = progress_show;
	if (install_stop_signals()) {
		fprintf(stderr, "numig: cannot install SIGINT/SIGTERM handlers: %s\n", strerror(errno));
		return NUMIG_EXIT_INTERNAL;
	}
	if (machine_create(&m, &cfg, &e) || machine_run(&m, &signalled, &e)) {
		machine_end_console_line(&m);
		fprintf(stderr, "numig: %s\n", e.msg);
		machine_destroy(&m);
		return e.code ? e.code : NUMIG_EXIT_INTERNAL;
	}
	machine_end_console_line(&m); /* the vCPU threads are gone: no lock needed */
	outcome_decide(&m, &out);
	if (cfg.json)
		report_json(stdout, &m, &out);
	else
		report_human(stdout, &m, &out);
	if (cfg.plot_path && report_plot(cfg.plot_path, &m, err, sizeof(err)))
		fprintf(stderr, "numig: --plot: %s\n", err);
	if (out.exit_code)
		fprintf(stderr, "numig: %s\n", out.message);
	machine_destroy(&m);
	return out.exit_code;
}
