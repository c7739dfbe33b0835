/* Records the files behind KVM_GET_STATS_FD (header, id, descriptors and
 * data, byte for byte) of numig's VM and its vCPU 0, after a short run of
 * the integrity guest, so the parser's unit test (tests/unit/
 * test_kvmstats.c) runs on what a real kernel wrote:
 *
 *   build/emutests/record_kvm_stats [BUILD_DIR] VM_OUT VCPU_OUT
 *
 * An output of "-" is written to stdout as hex (one line), for the emulated
 * host, whose files vanish with it. The recordings in tests/data/kvmstats/
 * were made with it (docs/measurements.md "What the host did"). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/cli/cli.h"
#include "vmm/vm/kvmstats.h"
#include "vmm/vm/run.h"

static int dump(int obj_fd, const char *what, const char *path)
{
	struct nerr e = { 0, "" };
	struct kvm_stats_set *s = malloc(sizeof(*s));
	char err[256];
	uint8_t *buf;
	size_t len;
	int fd = ioctl(obj_fd, KVM_GET_STATS_FD, 0);
	FILE *f;

	if (!s)
		return -1;
	if (fd < 0) {
		fprintf(stderr, "%s: KVM_GET_STATS_FD: %s\n", what, strerror(errno));
		free(s);
		return -1;
	}
	if (kvmstats_read_fd(fd, &buf, &len, &e)) {
		fprintf(stderr, "%s: %s\n", what, e.msg);
		close(fd);
		free(s);
		return -1;
	}
	close(fd);
	if (kvmstats_parse(buf, len, s, err, sizeof(err)))
		fprintf(stderr, "%s: does not parse: %s\n", what, err);
	else
		fprintf(stderr, "%s: %zu bytes, id %s, %u scalars, %u arrays skipped\n", what, len, s->id, s->nr,
			s->skipped_arrays);
	free(s);
	if (!strcmp(path, "-")) {
		for (size_t i = 0; i < len; i++)
			printf("%02x", buf[i]);
		printf("\n");
		free(buf);
		return fflush(stdout) ? -1 : 0;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "%s: cannot write %s\n", what, path);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config c;
	struct nerr e = { 0, "" };
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s BUILD_DIR VM_OUT VCPU_OUT\n", argv[0]);
		return 2;
	}
	cli_defaults(&c);
	c.guest = "integrity";
	snprintf(c.guest_path, sizeof(c.guest_path), "%s/guests/integrity.elf", argv[1]);
	c.nr_vcpus = 1;
	c.mmu.nr_nodes = 1;
	c.mem_bytes = 64ull << 20;
	c.ws_bytes = 16ull << 20;
	c.duration_ns = 300ull * 1000000;
	c.timeout_ns = 60ull * 1000000000ull;
	if (machine_create(&m, &c, &e) || machine_run(&m, NULL, &e)) {
		fprintf(stderr, "run: %s\n", e.msg);
		return 3;
	}
	rc = dump(m.vm.vm_fd, "vm", argv[2]) | dump(m.vcpus[0].fd, "vcpu 0", argv[3]);
	machine_destroy(&m);
	return rc ? 1 : 0;
}
