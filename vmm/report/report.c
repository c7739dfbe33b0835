/* Human, JSON and SVG reports of a run (report.h). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "plot.h"

#define PHASES_MAX 16

struct phase {
	const char *name;     /* JSON key */
	const char *label;    /* human */
	struct lat_rec *rec;
};

static size_t phases_of(struct machine *m, struct phase *p)
{
	struct mig_stats *st = &m->mmu.mig.st;
	size_t n = 0;

	p[n++] = (struct phase){ "isolate", "isolate", &st->isolate };
	p[n++] = (struct phase){ "alloc", "allocate target", &st->alloc };
	p[n++] = (struct phase){ "guard", "guard / unmap", &st->guard };
	p[n++] = (struct phase){ "copy", "copy 2 MiB", &st->copy };
	p[n++] = (struct phase){ "switch", "switch leaf", &st->sw };
	p[n++] = (struct phase){ "release", "release old", &st->release };
	p[n++] = (struct phase){ "total", "total (per page)", &st->total };
	p[n++] = (struct phase){ "batch_total", "whole batch", &st->batch_total };
	p[n++] = (struct phase){ "vcpu_stall", "vCPU stall (fault)", &m->mmu.faults.stall };
	p[n++] = (struct phase){ "tlb_invalidate", "invalidation call", &m->mmu.tlb.per_call };
	p[n++] = (struct phase){ "stw_pause", "pause all vCPUs", &m->mmu.mig.pause };
	return n;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double run_seconds(const struct machine *m)
{
	return m->t_end_ns > m->t_start_ns ? (double)(m->t_end_ns - m->t_start_ns) / 1e9 : 0;
}

static void human_header(FILE *f, struct machine *m)
{
	const struct run_config *c = &m->cfg;

	fprintf(f, "numig %s: guest %s, %d vCPU%s, %d guest node%s, %llu MiB memory, working set %u x 2 MiB\n",
		NUMIG_VERSION, c->guest, c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s", c->mmu.nr_nodes,
		c->mmu.nr_nodes == 1 ? "" : "s", (unsigned long long)(c->mem_bytes >> 20), m->mmu.ws.nr_pages);
	fprintf(f, "host: kernel %s, KVM MMU: %s, %d CPUs, %d NUMA node%s\n", m->host.kernel, m->host.mmu_mode,
		m->host.cpus, m->host.nodes, m->host.nodes == 1 ? "" : "s");
	for (int g = 0; g < m->mmu.pool.nr_nodes; g++) {
		const struct node_pool *np = &m->mmu.pool.node[g];

		fprintf(f, "  guest node %d -> host node %d asked, %s%d measured; %s backing; pages before %u\n", g,
			np->host_node, np->host_node_measured < 0 ? "un" : "", np->host_node_measured,
			m->mmu.pool.hugetlb ? "hugetlb" : "THP", m->pages_before[g]);
	}
	if (m->placement_note[0])
		fprintf(f, "  note: %s\n", m->placement_note);
}

static void human_migration(FILE *f, struct machine *m)
{
	struct mig_stats *st = &m->mmu.mig.st;
	struct fault_stats *fs = &m->mmu.faults;
	struct scanner *sc = &m->mmu.scan;
	struct phase ph[PHASES_MAX];
	size_t n = phases_of(m, ph);
	uint64_t done = atomic_load(&st->done);
	double secs = run_seconds(m);

	fprintf(f, "migration: %llu done (%.0f/s): %llu by hinting faults, %llu scheduled, %llu of scanner-marked pages; "
		   "%llu aborted (no free frame), %llu aborted (frame not huge), %llu busy, %llu errors; %.1f MiB copied\n",
		(unsigned long long)done, secs > 0 ? (double)done / secs : 0,
		(unsigned long long)atomic_load(&st->by_reason[MIG_REASON_HINT_FAULT]),
		(unsigned long long)atomic_load(&st->by_reason[MIG_REASON_SCHEDULE]),
		(unsigned long long)atomic_load(&st->by_reason[MIG_REASON_SCANNED]),
		(unsigned long long)atomic_load(&st->aborted_nomem), (unsigned long long)atomic_load(&st->aborted_not_huge),
		(unsigned long long)atomic_load(&st->busy),
		(unsigned long long)atomic_load(&st->errors), (double)atomic_load(&st->bytes_copied) / (1 << 20));
	if (m->mmu.cfg.guard)
		fprintf(f, "guard: ON: %llu guard flushes (flush was pending), %llu eager unmaps, %llu without "
			   "invalidation (already flushed)\n",
			(unsigned long long)atomic_load(&st->guard_flushes), (unsigned long long)atomic_load(&st->eager_unmaps),
			(unsigned long long)atomic_load(&st->no_invalidation));
	else
		fprintf(f, "guard: OFF (--no-guard) -- UNSAFE: %llu migrations copied a page whose TLB flush was still "
			   "pending\n",
			(unsigned long long)atomic_load(&st->guard_skipped));
	fprintf(f, "scanner: %llu windows, %llu pages marked, %llu batched flushes of %llu frames; hinting faults %llu "
		   "(%llu restored, %llu migrated), waits on migrations %llu, EFAULT exits %llu\n",
		(unsigned long long)atomic_load(&sc->passes), (unsigned long long)atomic_load(&sc->pages_marked),
		(unsigned long long)atomic_load(&sc->batched_flushes), (unsigned long long)atomic_load(&sc->frames_flushed),
		(unsigned long long)atomic_load(&fs->hint_faults), (unsigned long long)atomic_load(&fs->restored),
		(unsigned long long)atomic_load(&fs->hint_migrations), (unsigned long long)atomic_load(&fs->waited),
		(unsigned long long)atomic_load(&fs->efaults));
	fprintf(f, "invalidation: %llu calls, %llu frames, %llu mprotect calls\n",
		(unsigned long long)atomic_load(&m->mmu.tlb.invalidations),
		(unsigned long long)atomic_load(&m->mmu.tlb.frames_invalidated),
		(unsigned long long)atomic_load(&m->mmu.tlb.calls));
	fprintf(f, "  %-20s %10s %10s %10s %10s %10s\n", "phase (us)", "count", "p50", "p90", "p99", "max");
	for (size_t i = 0; i < n; i++) {
		struct lat_summary s;

		if (lat_rec_summarize(ph[i].rec, &s) || !s.count)
			continue;
		if (ph[i].rec == &m->mmu.mig.st.batch_total && schedule_batch_pages(&m->mmu.sched) <= 1)
			continue; /* the same as total when pages move one at a time */
		fprintf(f, "  %-20s %10llu %10.1f %10.1f %10.1f %10.1f\n", ph[i].label, (unsigned long long)s.count,
			us(s.p50), us(s.p90), us(s.p99), us(s.max));
	}
	for (int g = 0; g < m->mmu.pool.nr_nodes; g++)
		fprintf(f, "  guest node %d: %u pages after, %llu misplaced frames by query\n", g,
			ws_pages_on_node(&m->mmu.ws, g), (unsigned long long)m->mmu.pool.node[g].misplaced_frames);
}

static void human_integrity(FILE *f, const struct run_outcome *o, struct machine *m)
{
	if (!o->integrity)
		return;
	fprintf(f, "integrity: %s: guest: %llu writes, %llu sweeps, %llu lost, %llu corrupt; ",
		o->integrity_pass ? "PASS" : "FAIL", (unsigned long long)o->guest_writes,
		(unsigned long long)o->guest_sweeps, (unsigned long long)o->guest_lost,
		(unsigned long long)o->guest_corrupt);
	if (o->host.ran)
		fprintf(f, "host: %llu slots + %llu fill words checked, %llu lost, %llu corrupt, %llu pages affected\n",
			(unsigned long long)o->host.slots_checked, (unsigned long long)o->host.fill_words_checked,
			(unsigned long long)o->host.lost, (unsigned long long)o->host.corrupt,
			(unsigned long long)o->host.pages_affected);
	else
		fprintf(f, "host check skipped: %s\n", o->host.skipped_why);
	for (int i = 0; i < o->host.nr_ex; i++) {
		const struct verify_example *x = &o->host.ex[i];

		fprintf(f, "  host: %s page %u offset %#llx expected %#llx found %#llx", x->lost ? "LOST" : "CORRUPT",
			x->page, (unsigned long long)x->offset, (unsigned long long)x->expected,
			(unsigned long long)x->found);
		if (x->vcpu >= 0)
			fprintf(f, " (vCPU %d seq %llu)", x->vcpu, (unsigned long long)x->seq);
		fprintf(f, " after %llu migrations of that page\n", (unsigned long long)x->page_migrations);
	}
	for (int i = 0; i < m->nr_lost_examples; i++)
		fprintf(f, "  guest: %s\n", m->lost_examples[i]);
	if (m->mmu.mig.injected)
		fprintf(f, "  injected fault: page %u offset %#llx\n", m->mmu.mig.injected_page,
			(unsigned long long)m->mmu.mig.injected_offset);
}

void report_human(FILE *f, struct machine *m, const struct run_outcome *o)
{
	human_header(f, m);
	fprintf(f, "run: %.3f s (create %.1f ms)\n", run_seconds(m),
		(double)(m->t_start_ns - m->t_create_ns) / 1e6);
	/* Hinting-only runs that moved nothing have nothing to show. */
	if (m->mmu.ws.nr_pages && mmu_migrates(&m->cfg.mmu) &&
	    (m->cfg.mmu.scan_period_ns || m->cfg.mmu.migrate.rate_per_s > 0 || atomic_load(&m->mmu.mig.st.done)))
		human_migration(f, m);
	human_integrity(f, o, m);
	fprintf(f, "result: %s (exit %d)\n", o->message, o->exit_code);
}

static void json_summary(struct json_w *w, const char *key, struct lat_rec *r)
{
	struct lat_summary s;

	memset(&s, 0, sizeof(s));
	lat_rec_summarize(r, &s);
	json_key(w, key);
	json_obj_begin(w);
	json_kv_u64(w, "count", s.count);
	json_kv_double(w, "p50_us", us(s.p50));
	json_kv_double(w, "p90_us", us(s.p90));
	json_kv_double(w, "p99_us", us(s.p99));
	json_kv_double(w, "max_us", us(s.max));
	json_kv_double(w, "mean_us", s.mean / 1000.0);
	json_obj_end(w);
}

static void json_vcpus(struct json_w *w, struct machine *m)
{
	json_key(w, "vcpus");
	json_arr_begin(w);
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		static const char *const ends[] = { "running", "done", "failed", "stopped" };

		json_obj_begin(w);
		json_kv_i64(w, "id", v->id);
		json_kv_i64(w, "guest_node", v->node);
		json_kv_i64(w, "host_cpu", v->host_cpu);
		json_kv_str(w, "end", ends[atomic_load(&v->end)]);
		json_kv_i64(w, "exit_code", v->exit_code);
		json_kv_u64(w, "exits", v->exits);
		json_kv_u64(w, "hypercalls", v->hypercalls);
		json_kv_u64(w, "page_fault_exits", v->pf_exits);
		json_kv_u64(w, "efaults", v->efaults);
		json_kv_u64(w, "ops", v->mb->counter[NUMIG_CNT_OPS]);
		json_kv_u64(w, "writes", v->mb->counter[NUMIG_CNT_WRITES]);
		if (v->fail[0])
			json_kv_str(w, "failure", v->fail);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void json_nodes(struct json_w *w, struct machine *m)
{
	json_key(w, "nodes");
	json_arr_begin(w);
	for (int g = 0; g < m->mmu.pool.nr_nodes; g++) {
		const struct node_pool *np = &m->mmu.pool.node[g];

		json_obj_begin(w);
		json_kv_i64(w, "guest_node", g);
		json_kv_i64(w, "host_node_asked", np->host_node);
		json_kv_i64(w, "host_node_measured", np->host_node_measured);
		json_kv_u64(w, "frames", np->nr_frames);
		json_kv_u64(w, "misplaced_frames", np->misplaced_frames);
		json_kv_u64(w, "pages_before", m->pages_before[g]);
		json_kv_u64(w, "pages_after", ws_pages_on_node(&m->mmu.ws, g));
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void json_migration(struct json_w *w, struct machine *m)
{
	struct mig_stats *st = &m->mmu.mig.st;
	struct fault_stats *fs = &m->mmu.faults;
	struct scanner *sc = &m->mmu.scan;
	struct phase ph[PHASES_MAX];
	size_t n = phases_of(m, ph);
	double secs = run_seconds(m);

	json_key(w, "migration");
	json_obj_begin(w);
	json_kv_bool(w, "guard", m->mmu.cfg.guard);
	json_kv_bool(w, "unsafe", !m->mmu.cfg.guard);
	json_kv_bool(w, "stop_the_world", m->mmu.cfg.stop_the_world);
	json_kv_u64(w, "batch_pages", schedule_batch_pages(&m->mmu.sched));
	json_kv_bool(w, "fault_injected", atomic_load(&m->mmu.mig.injected));
	if (atomic_load(&m->mmu.mig.injected)) {
		json_kv_u64(w, "injected_page", m->mmu.mig.injected_page);
		json_kv_u64(w, "injected_offset", m->mmu.mig.injected_offset);
	}
	json_kv_u64(w, "done", atomic_load(&st->done));
	json_kv_double(w, "per_s", secs > 0 ? (double)atomic_load(&st->done) / secs : 0);
	json_kv_u64(w, "by_hint_fault", atomic_load(&st->by_reason[MIG_REASON_HINT_FAULT]));
	json_kv_u64(w, "by_schedule", atomic_load(&st->by_reason[MIG_REASON_SCHEDULE]));
	json_kv_u64(w, "by_scanned", atomic_load(&st->by_reason[MIG_REASON_SCANNED]));
	json_kv_u64(w, "aborted_nomem", atomic_load(&st->aborted_nomem));
	json_kv_u64(w, "aborted_not_huge", atomic_load(&st->aborted_not_huge));
	json_kv_u64(w, "frames_collapsed", atomic_load(&st->collapsed));
	json_kv_u64(w, "frames_verified_huge", atomic_load(&st->huge_verified));
	json_kv_u64(w, "frames_huge_unknown", atomic_load(&st->huge_unknown));
	json_kv_u64(w, "busy", atomic_load(&st->busy));
	json_kv_u64(w, "errors", atomic_load(&st->errors));
	json_kv_u64(w, "bytes_copied", atomic_load(&st->bytes_copied));
	json_kv_u64(w, "guard_flushes", atomic_load(&st->guard_flushes));
	json_kv_u64(w, "guard_skipped_unsafe", atomic_load(&st->guard_skipped));
	json_kv_u64(w, "eager_unmaps", atomic_load(&st->eager_unmaps));
	json_kv_u64(w, "no_invalidation_needed", atomic_load(&st->no_invalidation));
	json_kv_u64(w, "scan_windows", atomic_load(&sc->passes));
	json_kv_u64(w, "scan_pages_marked", atomic_load(&sc->pages_marked));
	json_kv_u64(w, "batched_flushes", atomic_load(&sc->batched_flushes));
	json_kv_u64(w, "batched_flush_frames", atomic_load(&sc->frames_flushed));
	json_kv_u64(w, "hint_faults", atomic_load(&fs->hint_faults));
	json_kv_u64(w, "hint_restored", atomic_load(&fs->restored));
	json_kv_u64(w, "hint_migrations", atomic_load(&fs->hint_migrations));
	json_kv_u64(w, "fault_waits", atomic_load(&fs->waited));
	json_kv_u64(w, "efaults", atomic_load(&fs->efaults));
	json_kv_u64(w, "invalidation_calls", atomic_load(&m->mmu.tlb.invalidations));
	json_kv_u64(w, "invalidated_frames", atomic_load(&m->mmu.tlb.frames_invalidated));
	json_kv_u64(w, "mprotect_calls", atomic_load(&m->mmu.tlb.calls));
	json_key(w, "phases");
	json_obj_begin(w);
	for (size_t i = 0; i < n; i++)
		json_summary(w, ph[i].name, ph[i].rec);
	json_obj_end(w);
	json_obj_end(w);
}

static void json_integrity(struct json_w *w, const struct run_outcome *o)
{
	json_key(w, "integrity");
	if (!o->integrity) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_bool(w, "pass", o->integrity_pass);
	json_kv_u64(w, "guest_writes", o->guest_writes);
	json_kv_u64(w, "guest_sweeps", o->guest_sweeps);
	json_kv_u64(w, "guest_lost", o->guest_lost);
	json_kv_u64(w, "guest_corrupt", o->guest_corrupt);
	json_kv_bool(w, "host_checked", o->host.ran);
	json_kv_u64(w, "host_slots_checked", o->host.slots_checked);
	json_kv_u64(w, "host_fill_words_checked", o->host.fill_words_checked);
	json_kv_u64(w, "host_lost", o->host.lost);
	json_kv_u64(w, "host_corrupt", o->host.corrupt);
	json_kv_u64(w, "host_pages_affected", o->host.pages_affected);
	json_key(w, "examples");
	json_arr_begin(w);
	for (int i = 0; i < o->host.nr_ex; i++) {
		const struct verify_example *x = &o->host.ex[i];

		json_obj_begin(w);
		json_kv_str(w, "kind", x->lost ? "lost" : "corrupt");
		json_kv_u64(w, "page", x->page);
		json_kv_u64(w, "offset", x->offset);
		json_kv_u64(w, "expected", x->expected);
		json_kv_u64(w, "found", x->found);
		json_kv_i64(w, "vcpu", x->vcpu);
		json_kv_u64(w, "seq", x->seq);
		json_kv_u64(w, "page_migrations", x->page_migrations);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

static void json_pages(struct json_w *w, struct machine *m)
{
	uint64_t min = UINT64_MAX, max = 0;

	json_key(w, "pages");
	json_arr_begin(w);
	for (uint32_t i = 0; i < m->mmu.ws.nr_pages; i++) {
		struct ws_page *pg = &m->mmu.ws.pages[i];
		uint64_t n = atomic_load(&pg->migrations);

		min = n < min ? n : min;
		max = n > max ? n : max;
		json_obj_begin(w);
		json_kv_u64(w, "index", i);
		json_kv_i64(w, "node", pg->frame->node);
		json_kv_u64(w, "migrations", n);
		json_kv_u64(w, "hint_faults", atomic_load(&pg->hint_faults));
		json_obj_end(w);
	}
	json_arr_end(w);
	json_kv_u64(w, "page_migrations_min", m->mmu.ws.nr_pages ? min : 0);
	json_kv_u64(w, "page_migrations_max", max);
}

static void json_series(struct json_w *w, struct machine *m)
{
	json_key(w, "time_series");
	json_arr_begin(w);
	for (size_t i = 0; i < m->nr_samples; i++) {
		const struct sample *s = &m->samples[i];

		json_obj_begin(w);
		json_kv_double(w, "t_s", s->t_s);
		json_kv_double(w, "guest_ops_per_s", s->ops_per_s);
		json_kv_double(w, "migrations_per_s", s->migrations_per_s);
		json_kv_double(w, "guard_flushes_per_s", s->guard_flushes_per_s);
		json_obj_end(w);
	}
	json_arr_end(w);
}

int report_json(FILE *f, struct machine *m, const struct run_outcome *o)
{
	struct json_w w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_str(&w, "numig_version", NUMIG_VERSION);
	json_kv_str(&w, "guest", m->cfg.guest);
	json_kv_i64(&w, "exit_code", o->exit_code);
	json_kv_str(&w, "result", o->message);
	json_kv_u64(&w, "vcpus_count", (uint64_t)m->cfg.nr_vcpus);
	json_kv_u64(&w, "guest_nodes", (uint64_t)m->cfg.mmu.nr_nodes);
	json_kv_u64(&w, "mem_bytes", m->cfg.mem_bytes);
	json_kv_u64(&w, "ws_pages", m->mmu.ws.nr_pages);
	json_kv_double(&w, "run_s", run_seconds(m));
	json_kv_double(&w, "create_ms", (double)(m->t_start_ns - m->t_create_ns) / 1e6);
	json_key(&w, "host");
	json_obj_begin(&w);
	json_kv_str(&w, "kernel", m->host.kernel);
	json_kv_str(&w, "kvm_mmu", m->host.mmu_mode);
	json_kv_bool(&w, "shadow_paging", m->host.shadow_paging == 1);
	json_kv_i64(&w, "cpus", m->host.cpus);
	json_kv_i64(&w, "numa_nodes", m->host.nodes);
	json_kv_str(&w, "placement_note", m->placement_note);
	json_kv_str(&w, "backing", m->mmu.pool.hugetlb ? "hugetlb" : "thp");
	json_obj_end(&w);
	json_nodes(&w, m);
	json_vcpus(&w, m);
	json_migration(&w, m);
	json_integrity(&w, o);
	json_pages(&w, m);
	json_series(&w, m);
	json_obj_end(&w);
	return w.err;
}

int report_plot(const char *path, struct machine *m, char *err, size_t errlen)
{
	static uint64_t buckets[PHASES_MAX][LAT_HIST_BUCKETS];
	struct plot_hist h[PHASES_MAX];
	struct phase ph[PHASES_MAX];
	size_t n = phases_of(m, ph), nh = 0;
	double *t = calloc(m->nr_samples + 1, sizeof(double)), *ops = calloc(m->nr_samples + 1, sizeof(double));
	double *mig = calloc(m->nr_samples + 1, sizeof(double));
	struct plot_series s[2];
	int rc;

	if (!t || !ops || !mig) {
		free(t);
		free(ops);
		free(mig);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		lat_rec_histogram(ph[i].rec, buckets[nh], LAT_HIST_BUCKETS);
		h[nh] = (struct plot_hist){ ph[i].label, buckets[nh], LAT_HIST_BUCKETS };
		nh++;
	}
	for (size_t i = 0; i < m->nr_samples; i++) {
		t[i] = m->samples[i].t_s;
		ops[i] = m->samples[i].ops_per_s;
		mig[i] = m->samples[i].migrations_per_s;
	}
	s[0] = (struct plot_series){ "guest throughput", "ops/s", t, ops, m->nr_samples };
	s[1] = (struct plot_series){ "migrations", "1/s", t, mig, m->nr_samples };
	rc = plot_write_svg(path, "numig run", h, nh, s, 2, err, errlen);
	free(t);
	free(ops);
	free(mig);
	return rc;
}
