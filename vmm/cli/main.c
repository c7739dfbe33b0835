/* numig: the CLI. Turns errors into one message and a documented exit code;
 * the only place that prints errors or ends the process. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "guestdir.h"
#include "progress.h"
#include "tap.h"
#include "vmm/report/plot.h"
#include "vmm/report/report.h"
#include "vmm/report/text.h"
#include "vmm/vm/kvm.h"
#include "vmm/vm/run.h"

static volatile sig_atomic_t signalled;

/* The first SIGINT/SIGTERM stops the run (the main loop sees it within
 * 5 ms, the report follows); a second SIGINT exits at once. */
static void on_signal(int sig)
{
	static const char msg[] = "\nnumig: second SIGINT: exiting at once, no report (exit 4)\n";

	if (signalled && sig == SIGINT) {
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)n; /* nothing more can be done in a signal handler */
		_exit(NUMIG_EXIT_GUEST);
	}
	signalled = 1;
}

static void say(const char *prefix, const char *msg)
{
	char esc[4 * sizeof(((struct nerr *)0)->msg) + 1];

	fprintf(stderr, "numig: %s%s\n", prefix, text_escape(esc, sizeof(esc), msg));
}

/* A closed stdout or stderr would be reused by the next open() (the KVM
 * device, a guest file) and the report written into it. Stdout must be
 * open since the report goes there; a closed stderr gets /dev/null. */
static int check_std_fds(struct nerr *e)
{
	if (fcntl(STDERR_FILENO, F_GETFD) < 0 && errno == EBADF) {
		/* Lands on fd 2, the lowest free one; if it cannot, messages are
		 * lost either way, and the exit code still tells. */
		int fd = open("/dev/null", O_WRONLY);

		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF)
		return nerr_set(e, NUMIG_EXIT_USAGE, "stdout is closed: the report has nowhere to go");
	return 0;
}

/* The report is part of the result: a write that failed (a full disk,
 * /dev/full, a closed pipe) turns an exit 0 into exit 3. */
static int finish_output(int rc, int wrote_ok)
{
	int flushed = fflush(stdout) == 0 && !ferror(stdout);
	char msg[128];

	if (wrote_ok && flushed)
		return rc;
	snprintf(msg, sizeof(msg), "cannot write the report to stdout: %s", errno ? strerror(errno) : "write error");
	say("", msg);
	return rc ? rc : NUMIG_EXIT_ENV;
}

static int install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ? -1 : 0;
}

/* " WORD", shell-quoted, at line[*n]; nonzero when it does not fit. */
static int append_word(char *line, size_t size, size_t *n, const char *word)
{
	if (*n + 1 >= size)
		return 1;
	line[(*n)++] = ' ';
	return text_shell_quote(line, size, n, word);
}

/* No KVM device here: the same run works in the emulated host (README "No
 * KVM on this machine"), so say how, as one line a user can paste. A run
 * without the guard is there to show the race, which needs emulated CPUs
 * that run in parallel (--tcg multi). */
static void suggest_emulated_host(int argc, char **argv, int guard)
{
	char bindir[PATH_MAX], emu[PATH_MAX + 16], line[8192];
	struct nerr e = { 0, "" };
	size_t n = 0;
	int found, bad;

	/* numig-emu lies beside numig, in a build folder and in a prefix. */
	found = !guestdir_self(bindir, sizeof(bindir), &e);
	if (found)
		snprintf(emu, sizeof(emu), "%s/numig-emu", bindir);
	if (!found || access(emu, X_OK)) {
		fprintf(stderr, "numig: README \"No KVM on this machine\" says how to run numig in an emulated host\n");
		return;
	}
	bad = text_shell_quote(line, sizeof(line), &n, emu);
	if (!guard)
		bad = bad || append_word(line, sizeof(line), &n, "--tcg") || append_word(line, sizeof(line), &n, "multi");
	/* argv[1] is "run": numig-emu takes the same command and options. */
	for (int i = 1; i < argc && !bad; i++)
		bad = append_word(line, sizeof(line), &n, argv[i]);
	if (bad) {
		fprintf(stderr, "numig: %s runs the same command in an emulated host with KVM\n", emu);
		return;
	}
	fprintf(stderr, "numig: the same run in an emulated host with KVM (QEMU; ~10 s to boot; results real, timings not "
			"performance data):\n  %s\n", line);
}

/* An error before or instead of a report: one message, and with --tap the
 * test point. */
static int fail(int tap, const char *name, int code, const char *msg)
{
	say("", msg);
	return tap ? tap_end(stdout, name, code, msg) : code;
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config cfg;
	struct run_outcome out;
	enum cli_action action;
	struct nerr e = { 0, "" };
	char err[256], name[320], msg[320];
	int tap = tap_requested(argc, argv);
	FILE *report = stdout, *diag = NULL;
	int wrote, rc;

	if (check_std_fds(&e) || cli_parse(argc, argv, &cfg, &action, &e)) {
		if (tap)
			tap_begin(stdout);
		return fail(tap, "numig run", e.code, e.msg);
	}
	if (action == CLI_HELP) {
		cli_usage(stdout);
		return finish_output(0, 1);
	}
	if (action == CLI_VERSION) {
		printf("numig %s\n", NUMIG_VERSION);
		return finish_output(0, 1);
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
	/* Output paths are checked before the guest runs, not after. */
	if (cfg.plot_path && plot_check_path(cfg.plot_path, err, sizeof(err))) {
		if (diag)
			fclose(diag);
		snprintf(msg, sizeof(msg), "--plot: %s", err);
		return fail(tap, name, NUMIG_EXIT_USAGE, msg);
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
		int absent = m.vm.open_errno == ENOENT || m.vm.open_errno == ENODEV || m.vm.open_errno == ENXIO;

		machine_end_console_line(&m);
		machine_destroy(&m);
		if (diag)
			fclose(diag);
		rc = fail(tap, name, e.code ? e.code : NUMIG_EXIT_INTERNAL, e.msg);
		if (absent || m.suggest_emulated_host)
			suggest_emulated_host(argc, argv, cfg.mmu.guard);
		return rc;
	}
	machine_end_console_line(&m); /* the vCPU threads are gone: no lock needed */
	outcome_decide(&m, &out);
	wrote = (cfg.json ? report_json(stdout, &m, &out) : report_human(report, &m, &out)) == 0;
	rc = out.exit_code;
	if (cfg.plot_path && report_plot(cfg.plot_path, &m, err, sizeof(err))) {
		say("--plot: ", err);
		rc = rc ? rc : NUMIG_EXIT_ENV;
	}
	if (out.exit_code)
		say("", out.message);
	machine_destroy(&m);
	if (tap) {
		wrote &= fclose(diag) == 0;
		rc = tap_end(stdout, name, rc, out.message);
	}
	return finish_output(rc, wrote);
}
