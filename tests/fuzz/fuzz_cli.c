/* libFuzzer target: the command line (vmm/cli/cli.c) and its value parsers
 * (vmm/cli/parse.c; node lists go through libnuma inside cli_parse). The input is split at NUL bytes into argv words; the
 * first word is also handed to each parser on its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/cli.h"
#include "vmm/cli/parse.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], err[256];
	struct run_config cfg;
	struct migrate_spec ms;
	enum cli_action action;
	struct nerr e;
	uint64_t v;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	parse_size(buf, &v, err, sizeof(err));
	parse_duration_ns(buf, &v, err, sizeof(err));
	parse_u64_range(buf, 1, 64, &v, "n", err, sizeof(err));
	parse_migrate_spec(buf, &ms, err, sizeof(err));
	argv[0] = "numig";
	for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i == 0 || buf[i - 1] == 0)
			argv[argc++] = buf + i;
		if (i == size)
			break;
	}
	argv[argc] = NULL;
	memset(&e, 0, sizeof(e));
	if (cli_parse(argc, argv, &cfg, &action, &e)) {
		if (e.code != NUMIG_EXIT_USAGE || !e.msg[0])
			abort();
	} else if (action == CLI_RUN) {
		if (cfg.nr_vcpus < 1 || cfg.nr_vcpus > NUMIG_MAX_VCPUS || !cfg.timeout_ns || !cfg.mem_bytes ||
		    cfg.ws_bytes > cfg.mem_bytes)
			abort();
	}
	free(buf);
	return 0;
}
