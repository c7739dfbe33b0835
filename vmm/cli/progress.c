/* The progress line (progress.h). */
#include "progress.h"

#include <stdio.h>

#include "mmu/snapshot.h"
#include "vmm/vm/guest_input.h"
#include "vmm/vm/machine.h"

static double rate(uint64_t now, uint64_t prev, double dt)
{
	return dt > 0 && now >= prev ? (double)(now - prev) / dt : 0;
}

void progress_format(char *buf, size_t len, const struct progress_figures *prev, const struct progress_figures *now,
		     double total_s)
{
	double dt = now->t_s - prev->t_s;
	int n;

	if (total_s > 0)
		n = snprintf(buf, len, "[%6.1f / %.1f s]", now->t_s, total_s);
	else
		n = snprintf(buf, len, "[%6.1f s]", now->t_s);
	if (n < 0 || (size_t)n >= len)
		return;
	n += snprintf(buf + n, len - (size_t)n, " %.3g ops/s, %.0f migrations/s, %.0f guard flushes/s",
		      rate(now->ops, prev->ops, dt), rate(now->migrations, prev->migrations, dt),
		      rate(now->guard_flushes, prev->guard_flushes, dt));
	if (n > 0 && (size_t)n < len && now->checks)
		snprintf(buf + n, len - (size_t)n, ", lost %llu, corrupt %llu", (unsigned long long)now->lost,
			 (unsigned long long)now->corrupt);
}

void progress_show(struct machine *m, double t_s)
{
	static struct progress_figures prev;
	struct progress_figures now = { .t_s = t_s };
	const struct run_config *c = &m->cfg;
	struct mmu_snapshot s;
	char line[256];

	mmu_snapshot(&m->mmu, &s);
	now.ops = guest_sat_add(machine_sum_counter(m, NUMIG_CNT_OPS), machine_sum_counter(m, NUMIG_CNT_WRITES));
	now.migrations = mmu_migrations_done(&m->mmu); /* the kernel migrator's moves too */
	now.guard_flushes = s.guard_flushes;
	now.lost = machine_sum_counter(m, NUMIG_CNT_LOST);
	now.corrupt = machine_sum_counter(m, NUMIG_CNT_CORRUPT);
	pthread_mutex_lock(&m->lock);
	now.checks = m->checks.lost || m->checks.corrupt || m->checks.verdicts ||
		     m->vcpus[0].mb->result[NUMIG_RES_KIND] == NUMIG_KIND_INTEGRITY;
	/* The VMM's own count is a floor under the guest's counters. */
	now.lost = now.lost > m->checks.lost ? now.lost : m->checks.lost;
	now.corrupt = now.corrupt > m->checks.corrupt ? now.corrupt : m->checks.corrupt;
	pthread_mutex_unlock(&m->lock);
	progress_format(line, sizeof(line), &prev, &now,
			(double)(c->duration_ns ? c->duration_ns : c->timeout_ns) / 1e9);
	prev = now;
	pthread_mutex_lock(&m->console_lock);
	/* \033[K clears what a longer previous line left behind. */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	m->console_line_open = 1;
	pthread_mutex_unlock(&m->console_lock);
}
