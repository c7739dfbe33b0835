/* Kernel migrators and placement over time in the reports (account.h). */
#include "account.h"

#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static const char *migrator_what(const struct machine *m)
{
	switch (m->cfg.mmu.migrator) {
	case MIGRATOR_MOVE_PAGES:
		return "the kernel moves the host frame behind each page (move_pages(2)); numig's tables stay as they are";
	case MIGRATOR_NUMA_BALANCING:
		return m->mmu.balancing_fallback
			       ? "the kernel's automatic NUMA balancing; this kernel lacks MPOL_F_NUMA_BALANCING (Linux "
				 "5.12), so the guest regions got the default policy once populated"
			       : "the kernel's automatic NUMA balancing, allowed on the guest regions (MPOL_BIND | "
				 "MPOL_F_NUMA_BALANCING over every host node) once populated";
	case MIGRATOR_WATCH:
		return "numig moves nothing and reports what others moved (migratepages, numad, ...)";
	default:
		return "numig's engine";
	}
}

/* "EBUSY 3, ENOMEM 1, not on the target afterwards 2": the failed pages by
 * cause, for the report and for the verdict of a run that moved nothing. */
static void failures_str(const struct kmig_stats *st, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < KMIG_NR_ERRNOS && n < len; i++)
		if (atomic_load(&st->by_errno[i]))
			n += (size_t)snprintf(buf + n, len - n, "%s%s %llu", n ? ", " : "",
					      kmig_errno_name((enum kmig_errno)i),
					      (unsigned long long)atomic_load(&st->by_errno[i]));
	if (n < len && atomic_load(&st->elsewhere))
		snprintf(buf + n, len - n, "%snot on the target afterwards %llu", n ? ", " : "",
			 (unsigned long long)atomic_load(&st->elsewhere));
}

static void human_kmig(FILE *f, const struct kmigrator *k)
{
	const struct kmig_stats *st = &k->st;
	const struct { const char *label; const struct lat_rec *rec; } ph[] = {
		{ "move_pages call", &st->call }, { "per page", &st->per_page } };

	fprintf(f, "kernel migration: %llu moved of %llu pages asked (%llu already on the target, %llu split to 4 KiB, "
		   "%llu failed) in %llu move_pages calls (%llu failed whole)\n",
		(unsigned long long)atomic_load(&st->moved), (unsigned long long)atomic_load(&st->asked),
		(unsigned long long)atomic_load(&st->already), (unsigned long long)atomic_load(&st->split),
		(unsigned long long)atomic_load(&st->failed), (unsigned long long)atomic_load(&st->calls),
		(unsigned long long)atomic_load(&st->call_failed));
	if (atomic_load(&st->failed)) {
		char why[256];

		failures_str(st, why, sizeof(why));
		fprintf(f, "  failed: %s\n", why);
	}
	{
		struct kmig_check c;

		kmig_check_placement(k, &c);
		fprintf(f, "  placement after: %u of %u moved pages measured on the node of their last move (%u absent)\n",
			c.agree, c.pages, c.absent);
	}
	fprintf(f, "  %-20s %10s %10s %10s %10s %10s\n", "phase (us)", "count", "p50", "p90", "p99", "max");
	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		struct lat_summary sum;

		if (lat_rec_summarize(ph[i].rec, &sum) || !sum.count)
			continue;
		fprintf(f, "  %-20s %10llu %10.1f %10.1f %10.1f %10.1f\n", ph[i].label, (unsigned long long)sum.count,
			us(sum.p50), us(sum.p90), us(sum.p99), us(sum.max));
	}
}

/* "N0=24 N1=0 | N0=0 N1=24": in-use frames per host node, guest node by
 * guest node. */
static void human_look(FILE *f, const struct timeline *t, size_t i, int nr_nodes)
{
	for (int g = 0; g < nr_nodes; g++) {
		fprintf(f, "%s", g ? " |" : "");
		for (int h = 0; h < t->host_nodes; h++)
			fprintf(f, " N%d=%u", h, timeline_at(t, i, g, h));
	}
	if (t->s[i].absent)
		fprintf(f, " (%u absent)", t->s[i].absent);
}

static void human_timeline(FILE *f, struct machine *m)
{
	struct timeline *t = &m->mmu.tl;
	size_t picks[3];
	int nr_nodes = m->mmu.pool.nr_nodes;

	if (!m->mmu.have_tl)
		return;
	pthread_mutex_lock(&t->lock);
	fprintf(f, "placement over time: %llu looks (move_pages queries); moved by the kernel: %llu frames seen on "
		   "another host node (%llu split)",
		(unsigned long long)t->looks, (unsigned long long)t->moved, (unsigned long long)t->moved_split);
	if (t->moved && nr_nodes > 1) {
		fprintf(f, ":");
		for (int g = 0; g < nr_nodes; g++)
			fprintf(f, "%s guest node %d %llu", g ? "," : "", g, (unsigned long long)t->moved_by_node[g]);
	}
	fprintf(f, "%s\n", t->looks > 1 ? "" : " (one look: moves cannot be seen)");
	if (t->n) {
		picks[0] = 0;
		picks[1] = t->n / 2;
		picks[2] = t->n - 1;
		for (int k = 0; k < 3; k++) {
			if (k && picks[k] == picks[k - 1])
				continue;
			fprintf(f, "  %6.2f s, in-use frames per host node (guest node%s%s):", t->s[picks[k]].t_s,
				nr_nodes > 1 ? "s 0 | 1" : " 0", nr_nodes > 2 ? " | ..." : "");
			human_look(f, t, picks[k], nr_nodes);
			fprintf(f, "\n");
		}
	}
	pthread_mutex_unlock(&t->lock);
}

void account_human(FILE *f, struct machine *m)
{
	if (mmu_kernel_migrator(&m->cfg.mmu))
		fprintf(f, "migrator: %s: %s%s\n", mmu_migrator_name(m->cfg.mmu.migrator), migrator_what(m),
			m->host.nodes < 2 ? "; this host has one NUMA node, so nothing can move between nodes (splits "
					    "still show)" : "");
	if (m->mmu.have_kmig)
		human_kmig(f, &m->mmu.kmig);
	human_timeline(f, m);
}

static void json_kmig(struct json_w *w, const struct kmigrator *k)
{
	const struct kmig_stats *st = &k->st;

	json_key(w, "kernel_migrator");
	if (!k->move) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_u64(w, "calls", atomic_load(&st->calls));
	json_kv_u64(w, "calls_failed", atomic_load(&st->call_failed));
	json_kv_u64(w, "asked", atomic_load(&st->asked));
	json_kv_u64(w, "moved", atomic_load(&st->moved));
	json_kv_u64(w, "already_there", atomic_load(&st->already));
	json_kv_u64(w, "split", atomic_load(&st->split));
	json_kv_u64(w, "failed", atomic_load(&st->failed));
	json_kv_u64(w, "not_on_target_after", atomic_load(&st->elsewhere));
	json_key(w, "failed_by_errno");
	json_obj_begin(w);
	for (int i = 0; i < KMIG_NR_ERRNOS; i++)
		json_kv_u64(w, kmig_errno_name((enum kmig_errno)i), atomic_load(&st->by_errno[i]));
	json_obj_end(w);
	{
		struct kmig_check c;

		kmig_check_placement(k, &c);
		json_kv_u64(w, "pages_moved_once_or_more", c.pages);
		json_kv_u64(w, "placement_agrees", c.agree);
		json_kv_u64(w, "placement_absent", c.absent);
	}
	report_json_latency(w, "call", &st->call);
	report_json_latency(w, "per_page", &st->per_page);
	json_obj_end(w);
}

static void json_timeline(struct json_w *w, struct machine *m)
{
	struct timeline *t = &m->mmu.tl;

	json_key(w, "placement_timeline");
	if (!m->mmu.have_tl) {
		json_null(w);
		return;
	}
	pthread_mutex_lock(&t->lock);
	json_obj_begin(w);
	json_kv_u64(w, "looks", t->looks);
	json_kv_u64(w, "host_nodes", (uint64_t)t->host_nodes);
	json_kv_u64(w, "moved_by_kernel", t->moved);
	json_kv_u64(w, "moved_by_kernel_split", t->moved_split);
	json_key(w, "moved_by_kernel_per_guest_node");
	json_arr_begin(w);
	for (int g = 0; g < m->mmu.pool.nr_nodes; g++)
		json_u64(w, t->moved_by_node[g]);
	json_arr_end(w);
	json_key(w, "samples");
	json_arr_begin(w);
	for (size_t i = 0; i < t->n; i++) {
		json_obj_begin(w);
		json_kv_double(w, "t_s", t->s[i].t_s);
		json_kv_u64(w, "absent", t->s[i].absent);
		json_kv_u64(w, "split", t->s[i].split);
		json_key(w, "in_use");
		json_arr_begin(w);
		for (int g = 0; g < m->mmu.pool.nr_nodes; g++) {
			json_arr_begin(w);
			for (int h = 0; h < t->host_nodes; h++)
				json_u64(w, timeline_at(t, i, g, h));
			json_arr_end(w);
		}
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
	pthread_mutex_unlock(&t->lock);
}

void account_json(struct json_w *w, struct machine *m)
{
	json_kv_str(w, "migrator", mmu_migrator_name(m->cfg.mmu.migrator));
	json_kv_bool(w, "numa_balancing_fallback", m->mmu.balancing_fallback);
	json_kmig(w, &m->mmu.kmig);
	json_timeline(w, m);
}

int account_plot_series(struct machine *m, struct plot_series *s, double **buf)
{
	static const char *const names[ACCOUNT_PLOT_NODES] = { "frames on host node 0", "frames on host node 1",
								"frames on host node 2", "frames on host node 3" };
	struct timeline *t = &m->mmu.tl;
	int k;
	size_t n;

	*buf = NULL;
	if (!m->mmu.have_tl)
		return 0;
	pthread_mutex_lock(&t->lock);
	n = t->n;
	k = t->host_nodes < ACCOUNT_PLOT_NODES ? t->host_nodes : ACCOUNT_PLOT_NODES;
	*buf = calloc((size_t)(k + 1) * (n + 1), sizeof(double));
	if (!*buf || !n) {
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		(*buf)[i] = t->s[i].t_s;
		for (int h = 0; h < k; h++)
			for (int g = 0; g < m->mmu.pool.nr_nodes; g++)
				(*buf)[(size_t)(h + 1) * (n + 1) + i] += timeline_at(t, i, g, h);
	}
	pthread_mutex_unlock(&t->lock);
	for (int h = 0; h < k; h++)
		s[h] = (struct plot_series){ names[h], "frames", *buf, *buf + (size_t)(h + 1) * (n + 1), n };
	return k;
}

const char *account_nothing_moved(struct machine *m, char *buf, size_t len)
{
	const struct kmig_stats *st = &m->mmu.kmig.st;
	uint64_t asked = atomic_load(&st->asked), already = atomic_load(&st->already);
	char why[256];

	if (!m->mmu.have_kmig || atomic_load(&st->moved) || asked <= already)
		return NULL;
	failures_str(st, why, sizeof(why));
	snprintf(buf, len, "move-pages: the kernel moved none of the %llu pages numig asked it to move: %s",
		 (unsigned long long)(asked - already), why);
	return buf;
}
