/* Human, JSON and SVG reports of a run (report.h). */
#include "report.h"

#include <numa.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "hostcounters.h"
#include "json.h"
#include "mmu/snapshot.h"
#include "vmm/vm/place.h"
#include "mmu/strategy.h"
#include "plot.h"
#include "stall.h"
#include "text.h"
#include "vmm/vm/failure_order.h"

#define PHASES_MAX 16

struct phase {
	const char *name;     /* JSON key */
	const char *label;    /* human */
	const struct lat_rec *rec;
};

static size_t phases_of(const struct mmu_snapshot *s, struct phase *p)
{
	const struct mmu_latencies *l = &s->lat;
	size_t n = 0;

	p[n++] = (struct phase){ "isolate", "isolate", l->isolate };
	p[n++] = (struct phase){ "alloc", "allocate target", l->alloc };
	p[n++] = (struct phase){ "guard", "guard / unmap", l->guard };
	p[n++] = (struct phase){ "copy", "copy 2 MiB", l->copy };
	p[n++] = (struct phase){ "switch", "switch leaf", l->sw };
	p[n++] = (struct phase){ "release", "release old", l->release };
	p[n++] = (struct phase){ "total", "total (per page)", l->total };
	p[n++] = (struct phase){ "batch_total", "whole batch", l->batch_total };
	p[n++] = (struct phase){ "vcpu_stall", "vCPU stall (fault)", l->vcpu_stall };
	p[n++] = (struct phase){ "tlb_invalidate", "invalidation call", l->tlb_invalidate };
	p[n++] = (struct phase){ "stw_pause", "pause all vCPUs", l->stw_pause };
	p[n++] = (struct phase){ "precopy", "precopy (mapped)", l->precopy };
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

/* "0 measured (16 of 128 frames present, 0 misplaced, 16 huge)": only
 * present frames are measured; absent ones are counted, never guessed. */
static void human_placement(FILE *f, uint32_t frames, const struct placement *pl)
{
	int nodes = 0;

	for (int h = 0; h < POOL_MAX_NODES; h++)
		nodes += pl->on_node[h] != 0;
	if (pl->measured < 0) {
		fprintf(f, "unmeasured (none of %u frames populated", frames);
	} else if (nodes > 1) {
		/* Spread over several host nodes (interleave, preferred overflow). */
		fprintf(f, "measured on");
		for (int h = 0, first = 1; h < POOL_MAX_NODES; h++)
			if (pl->on_node[h]) {
				fprintf(f, "%sN%d=%u", first ? " " : ",", h, pl->on_node[h]);
				first = 0;
			}
		fprintf(f, " (%u of %u frames present, %u misplaced", pl->present, frames, pl->misplaced);
	} else {
		fprintf(f, "%d measured (%u of %u frames present, %u misplaced", pl->measured, pl->present, frames,
			pl->misplaced);
	}
	if (pl->present && (pl->huge || pl->split))
		fprintf(f, ", %u huge, %u split", pl->huge, pl->split);
	else if (pl->present)
		fprintf(f, ", huge pages not verifiable (not root)");
	if (pl->unknown)
		fprintf(f, ", %u unknown", pl->unknown);
	fputc(')', f);
}

/* "0", or "0 (cell 3)" for a guest node from a libvirt cell. */
static void node_name(const struct machine *m, int g, char *buf, size_t len)
{
	if (m->cfg.topo.has_cells)
		snprintf(buf, len, "%d (cell %d)", g, m->cfg.topo.cell_id[g]);
	else
		snprintf(buf, len, "%d", g);
}

static void mask_str(uint64_t mask, char *buf, size_t len)
{
	struct bitmask b = { POOL_MAX_NODES, (unsigned long *)&mask };

	place_list_str(&b, buf, len);
}

/* "vCPU 0 -> CPU 0, vCPU 1 -> CPU 1": the affinity each thread really has. */
static void human_pinning(FILE *f, const struct machine *m)
{
	static const char *const modes[] = { "node", "none", "list" };

	fprintf(f, "  pinning (%s):", modes[m->cfg.topo.pin]);
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		fprintf(f, "%s vCPU %d (node %d) -> CPU %s", i ? "," : "", i, m->vcpus[i].node,
			m->vcpus[i].cpus_measured[0] ? m->vcpus[i].cpus_measured : "?");
	fputc('\n', f);
}

static void human_header(FILE *f, struct machine *m, const struct mmu_snapshot *s)
{
	const struct run_config *c = &m->cfg;
	char guest[4 * 256 + 1];

	/* The guest's name is the user's text: escaped like every message. */
	text_escape(guest, sizeof(guest), c->guest);
	fprintf(f, "numig %s: guest %.1024s, %d vCPU%s, %d guest node%s, %llu MiB memory, working set %u x 2 MiB\n",
		NUMIG_VERSION, guest, c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s", c->mmu.nr_nodes,
		c->mmu.nr_nodes == 1 ? "" : "s", (unsigned long long)(c->mem_bytes >> 20), s->ws_pages);
	fprintf(f, "host: kernel %s (%d.%d.%d per %s), KVM MMU: %s, %d CPUs, %d NUMA node%s\n", m->host.kernel,
		m->host.version.major, m->host.version.minor, m->host.version.patch, m->host.version.source,
		m->host.mmu_mode, m->host.cpus, m->host.nodes, m->host.nodes == 1 ? "" : "s");
	if (m->host.emulated)
		fprintf(f, "host: emulated (QEMU TCG, software emulation): integrity, placement and guard results are real; "
			   "timings and rates are not performance data\n");
	for (int g = 0; g < s->nr_nodes; g++) {
		struct mmu_node_figures nf;
		char name[32], hosts[NODELIST_LEN];

		mmu_node_figures(&m->mmu, g, &nf);
		node_name(m, g, name, sizeof(name));
		mask_str(nf.host_mask, hosts, sizeof(hosts));
		fprintf(f, "  guest node %s -> host node%s %s asked (%s), ", name, nf.host_mask & (nf.host_mask - 1) ? "s" : "",
			hosts, place_mode_name(m->node_mode[g]));
		human_placement(f, nf.frames, &nf.before);
		fprintf(f, "; %s backing; pages before %u\n", s->hugetlb ? "hugetlb" : "THP", m->pages_before[g]);
	}
	if (m->placement_note[0])
		fprintf(f, "  note: %s\n", m->placement_note);
	if (c->domain_note[0])
		fprintf(f, "  %s\n", c->domain_note);
	human_pinning(f, m);
}

/* Precopy and auto have been checked under NPT only in the emulated host
 * (make check-numa, scripts/emu-stress.sh): on EPT/NPT hardware the report
 * says so rather than claim more (issue 19). */
static const char precopy_unverified_note[] =
	"precopy and auto are verified in an emulated NPT host (make check-numa), not yet on EPT/NPT hardware: "
	"treat this run's integrity verdict as the first check on this kind of host";

static int precopy_unverified_here(const struct machine *m)
{
	return mmu_dirty_logging(&m->cfg.mmu) && m->host.shadow_paging == 0 && !m->host.emulated;
}

static void human_migration(FILE *f, struct machine *m, const struct mmu_snapshot *s)
{
	struct phase ph[PHASES_MAX];
	size_t n = phases_of(s, ph);
	double secs = run_seconds(m);

	fprintf(f, "migration: %llu done (%.0f/s): %llu by hinting faults, %llu scheduled, %llu of scanner-marked pages; "
		   "%llu aborted (no free frame), %llu aborted (frame not huge), %llu busy, %llu errors; %.1f MiB copied\n",
		(unsigned long long)s->done, secs > 0 ? (double)s->done / secs : 0,
		(unsigned long long)s->by_reason[MIG_REASON_HINT_FAULT],
		(unsigned long long)s->by_reason[MIG_REASON_SCHEDULE],
		(unsigned long long)s->by_reason[MIG_REASON_SCANNED],
		(unsigned long long)s->aborted_nomem, (unsigned long long)s->aborted_not_huge,
		(unsigned long long)s->busy,
		(unsigned long long)s->errors, (double)s->bytes_copied / (1 << 20));
	fprintf(f, "strategy: %s%s; pages moved: %llu unmap-copy, %llu stop-the-world, %llu precopy; copy threads %u",
		mig_strategy_name(s->strategy), s->stop_the_world ? " (every vCPU paused for each whole migration)" : "",
		(unsigned long long)s->by_strategy[STRATEGY_UNMAP_COPY],
		(unsigned long long)s->by_strategy[STRATEGY_STOP_THE_WORLD],
		(unsigned long long)s->by_strategy[STRATEGY_PRECOPY], s->copy_threads);
	if (s->copy_threads > 1)
		fprintf(f, " (%llu copies split, %llu alone)", (unsigned long long)s->copies_parallel,
			(unsigned long long)s->copies_alone);
	fprintf(f, "\n");
	if (precopy_unverified_here(m))
		fprintf(f, "  note: %s\n", precopy_unverified_note);
	if (s->by_strategy[STRATEGY_PRECOPY]) {
		double pages = (double)s->by_strategy[STRATEGY_PRECOPY];

		fprintf(f, "precopy: %.2f rounds per page, %.1f pieces dirtied during the full copy, %.1f residue pieces "
			   "per converged page; %llu fell back to unmap-copy (%llu dirty-log errors)",
			(double)s->precopy_rounds / pages, (double)s->first_dirty_pieces / pages,
			s->by_strategy[STRATEGY_PRECOPY] > s->precopy_fallbacks
				? (double)s->residue_pieces / (pages - (double)s->precopy_fallbacks)
				: 0.0,
			(unsigned long long)s->precopy_fallbacks, (unsigned long long)s->precopy_errors);
		if (s->injections)
			fprintf(f, "; INJECTED into %llu precopies (%llu pieces left stale)",
				(unsigned long long)s->injections, (unsigned long long)s->injected_stale);
		fprintf(f, "\n");
	}
	if (s->guard)
		fprintf(f, "guard: ON: %llu guard flushes (flush was pending), %llu eager unmaps, %llu without "
			   "invalidation (already flushed)\n",
			(unsigned long long)s->guard_flushes, (unsigned long long)s->eager_unmaps,
			(unsigned long long)s->no_invalidation);
	else
		fprintf(f, "guard: OFF (--no-guard) -- UNSAFE: %llu migrations copied a page whose TLB flush was still "
			   "pending\n",
			(unsigned long long)s->guard_skipped);
	fprintf(f, "scanner: %llu windows, %llu pages marked, %llu batched flushes of %llu frames; hinting faults %llu "
		   "(%llu restored, %llu migrated), waits on migrations %llu, EFAULT exits %llu\n",
		(unsigned long long)s->scan_windows, (unsigned long long)s->scan_pages_marked,
		(unsigned long long)s->batched_flushes, (unsigned long long)s->batched_flush_frames,
		(unsigned long long)s->hint_faults, (unsigned long long)s->hint_restored,
		(unsigned long long)s->hint_migrations, (unsigned long long)s->fault_waits,
		(unsigned long long)s->efaults);
	fprintf(f, "invalidation: %llu calls, %llu frames, %llu mprotect calls\n",
		(unsigned long long)s->invalidation_calls, (unsigned long long)s->invalidated_frames,
		(unsigned long long)s->mprotect_calls);
	fprintf(f, "  %-20s %10s %10s %10s %10s %10s\n", "phase (us)", "count", "p50", "p90", "p99", "max");
	for (size_t i = 0; i < n; i++) {
		struct lat_summary sum;

		if (lat_rec_summarize(ph[i].rec, &sum) || !sum.count)
			continue;
		if (ph[i].rec == s->lat.batch_total && s->batch_pages <= 1)
			continue; /* the same as total when pages move one at a time */
		fprintf(f, "  %-20s %10llu %10.1f %10.1f %10.1f %10.1f\n", ph[i].label, (unsigned long long)sum.count,
			us(sum.p50), us(sum.p90), us(sum.p99), us(sum.max));
	}
}

/* Every run, whoever moved memory (or nobody): where it is at the end. */
static void human_placement_after(FILE *f, struct machine *m, const struct mmu_snapshot *s)
{
	for (int g = 0; g < s->nr_nodes; g++) {
		struct mmu_node_figures nf;

		mmu_node_figures(&m->mmu, g, &nf);
		fprintf(f, "  guest node %d: %u pages after; host node ", g, nf.pages_now);
		human_placement(f, nf.frames, &nf.after);
		fprintf(f, "; %llu collapsed\n", (unsigned long long)nf.collapsed);
	}
}

/* One line per guest node that /proc/PID/numa_maps and smaps can be
 * matched with: the region's address range starts their line. */
static void human_memory(FILE *f, struct machine *m, const struct mmu_snapshot *s)
{
	for (int g = 0; g < s->nr_nodes; g++) {
		struct mmu_node_figures nf;

		mmu_node_figures(&m->mmu, g, &nf);
		fprintf(f, "memory: guest node %d: host VA %llx-%llx (%u MiB), bound to host node %d; frames: %u, %u in "
			   "use, %u free, %u populated\n",
			g, (unsigned long long)nf.region_start, (unsigned long long)nf.region_end,
			(unsigned)((nf.region_end - nf.region_start) >> 20), nf.host_node_asked, nf.frames, nf.frames - nf.free,
			nf.free, nf.populated);
	}
}

static void human_integrity(FILE *f, const struct run_outcome *o, struct machine *m, const struct mmu_snapshot *s)
{
	const struct guest_checks *c = &m->checks;

	if (!o->integrity)
		return;
	fprintf(f, "integrity: %s: guest: ", o->integrity_bad ? "FAIL" : o->integrity_pass ? "PASS" : "INCONCLUSIVE");
	if (o->guest_writes || o->guest_sweeps)
		fprintf(f, "%llu writes, %llu sweeps, ", (unsigned long long)o->guest_writes,
			(unsigned long long)o->guest_sweeps);
	fprintf(f, "%llu words checked (verdicts from %llu of %d vCPUs), %llu lost, %llu corrupt; ",
		(unsigned long long)o->guest_words_checked, (unsigned long long)o->guest_verdicts, m->cfg.nr_vcpus,
		(unsigned long long)o->guest_lost, (unsigned long long)o->guest_corrupt);
	if (o->host.ran)
		fprintf(f, "host: %llu slots + %llu fill words checked, %llu lost, %llu corrupt, %llu pages affected\n",
			(unsigned long long)o->host.slots_checked, (unsigned long long)o->host.fill_words_checked,
			(unsigned long long)o->host.lost, (unsigned long long)o->host.corrupt,
			(unsigned long long)o->host.pages_affected);
	else
		fprintf(f, "host check %s\n", o->host.skipped_why);
	for (int i = 0; i < o->host.nr_ex; i++) {
		const struct verify_example *x = &o->host.ex[i];

		fprintf(f, "  host: %s page %u offset %#llx expected %#llx found %#llx", x->lost ? "LOST" : "CORRUPT",
			x->page, (unsigned long long)x->offset, (unsigned long long)x->expected,
			(unsigned long long)x->found);
		if (x->vcpu >= 0)
			fprintf(f, " (vCPU %d seq %llu)", x->vcpu, (unsigned long long)x->seq);
		fprintf(f, " after %llu migrations of that page\n", (unsigned long long)x->page_migrations);
	}
	for (int i = 0; i < c->nr_ex; i++) {
		const struct guest_bad_word *x = &c->ex[i];

		fprintf(f, "  guest: vCPU %d: %s page %u offset %#llx expected %#llx found %#llx (page migrated %llu "
			   "times, on guest node %d)\n",
			x->vcpu, x->lost ? "LOST" : "CORRUPT", x->page, (unsigned long long)x->offset,
			(unsigned long long)x->expected, (unsigned long long)x->found,
			(unsigned long long)x->page_migrations, x->node);
	}
	if (o->guest_lost + o->guest_corrupt > (uint64_t)c->nr_ex)
		fprintf(f, "  guest: %llu more bad words not shown\n",
			(unsigned long long)(o->guest_lost + o->guest_corrupt - (uint64_t)c->nr_ex));
	if (s->injected)
		fprintf(f, "  injected fault: page %u offset %#llx\n", s->injected_page,
			(unsigned long long)s->injected_offset);
}

/* Failures after the first: consequences, never the result (issue 23). */
static void human_later_failures(FILE *f, struct machine *m)
{
	int order[NUMIG_MAX_VCPUS], nr = failure_order(m->vcpus, m->cfg.nr_vcpus, order);
	char esc[4 * sizeof(m->vcpus[0].fail) + 1];

	for (int k = 1; k < nr; k++)
		fprintf(f, "later failure, after vCPU %d failed: %s\n", order[0],
			text_escape(esc, sizeof(esc), m->vcpus[order[k]].fail));
}

int report_human(FILE *f, struct machine *m, const struct run_outcome *o)
{
	const struct mmu_config *c = &m->cfg.mmu;
	struct mmu_snapshot s;
	char esc[4 * sizeof(o->message) + 1];

	mmu_snapshot(&m->mmu, &s);
	human_header(f, m, &s);
	fprintf(f, "run: %.3f s (create %.1f ms)\n", run_seconds(m),
		(double)(m->t_start_ns - m->t_create_ns) / 1e6);
	/* Hinting-only runs that moved nothing have nothing to show; with the
	 * kernel as migrator, numig's engine moved nothing. */
	if (!mmu_kernel_migrator(c) && s.ws_pages && mmu_migrates(c) &&
	    (c->scan_period_ns || c->migrate.rate_per_s > 0 || s.done))
		human_migration(f, m, &s);
	account_human(f, m);
	human_placement_after(f, m, &s);
	human_memory(f, m, &s);
	report_host_counters_human(f, &m->host_counters);
	human_integrity(f, o, m, &s);
	{
		struct stall_figures *felt = stall_collect(m);

		stall_human(f, felt);
		free(felt);
	}
	if (m->cfg.fail.point != FP_NONE)
		fprintf(f, "fault seam: --fail %s: %llu failures injected\n", faultpoint_name(m->cfg.fail.point),
			(unsigned long long)faultpoint_failures());
	human_later_failures(f, m);
	fprintf(f, "result: %s (exit %d)\n", text_escape(esc, sizeof(esc), o->message), o->exit_code);
	return fflush(f) || ferror(f) ? -1 : 0;
}

void report_json_latency(struct json_w *w, const char *key, const struct lat_rec *r)
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
	int order[NUMIG_MAX_VCPUS], nr = failure_order(m->vcpus, m->cfg.nr_vcpus, order);

	json_key(w, "vcpus");
	json_arr_begin(w);
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		static const char *const ends[] = { "running", "done", "failed", "stopped" };

		json_obj_begin(w);
		json_kv_i64(w, "id", v->id);
		json_kv_i64(w, "guest_node", v->node);
		json_kv_i64(w, "host_cpu", v->host_cpu);
		{
			char asked[NODELIST_LEN];

			place_list_str(v->cpus, asked, sizeof(asked));
			json_kv_str(w, "host_cpus_asked", v->cpus ? asked : "");
			json_kv_str(w, "host_cpus_measured", v->cpus_measured);
		}
		json_kv_str(w, "end", ends[atomic_load(&v->end)]);
		json_kv_u64(w, "exit_code", v->exit_code);
		json_kv_u64(w, "exits", v->exits);
		json_kv_u64(w, "hypercalls", v->hypercalls);
		json_kv_u64(w, "page_fault_exits", v->pf_exits);
		json_kv_u64(w, "efaults", v->efaults);
		json_kv_u64(w, "ops", v->mb->counter[NUMIG_CNT_OPS]);
		json_kv_u64(w, "writes", v->mb->counter[NUMIG_CNT_WRITES]);
		if (v->fail[0])
			json_kv_str(w, "failure", v->fail);
		for (int k = 0; k < nr; k++)
			if (order[k] == i) {
				/* 1 = the failure the result names; later ones are its consequences. */
				json_kv_i64(w, "failure_rank", k + 1);
				if (k)
					json_kv_i64(w, "failed_after_vcpu", order[0]);
			}
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void json_placement(struct json_w *w, const char *key, const struct placement *pl)
{
	json_key(w, key);
	json_obj_begin(w);
	json_kv_i64(w, "host_node_measured", pl->measured);
	json_kv_u64(w, "present", pl->present);
	json_kv_u64(w, "absent", pl->absent);
	json_kv_u64(w, "unknown", pl->unknown);
	json_kv_u64(w, "misplaced", pl->misplaced);
	json_kv_u64(w, "huge", pl->huge);
	json_kv_u64(w, "split", pl->split);
	json_key(w, "on_node");
	json_obj_begin(w);
	for (int h = 0; h < POOL_MAX_NODES; h++)
		if (pl->on_node[h]) {
			char key[8];

			snprintf(key, sizeof(key), "%d", h);
			json_kv_u64(w, key, pl->on_node[h]);
		}
	json_obj_end(w);
	json_obj_end(w);
}

static void json_nodes(struct json_w *w, struct machine *m, const struct mmu_snapshot *s)
{
	json_key(w, "nodes");
	json_arr_begin(w);
	for (int g = 0; g < s->nr_nodes; g++) {
		struct mmu_node_figures nf;

		mmu_node_figures(&m->mmu, g, &nf);
		json_obj_begin(w);
		json_kv_i64(w, "guest_node", g);
		json_kv_i64(w, "host_node_asked", nf.host_node_asked);
		{
			char hosts[NODELIST_LEN];

			mask_str(nf.host_mask, hosts, sizeof(hosts));
			json_kv_str(w, "host_nodes_asked", hosts);
		}
		json_kv_str(w, "mode", place_mode_name(m->node_mode[g]));
		json_kv_str(w, "policy", pool_policy_name(nf.policy));
		json_kv_i64(w, "cell_id", m->cfg.topo.has_cells ? m->cfg.topo.cell_id[g] : -1);
		json_kv_u64(w, "bytes", (uint64_t)nf.frames * FRAME_SIZE);
		json_kv_i64(w, "host_node_measured", nf.before.measured);
		json_kv_u64(w, "frames", nf.frames);
		{
			char a[24];

			snprintf(a, sizeof(a), "%llx", (unsigned long long)nf.region_start);
			json_kv_str(w, "region_start", a);
			snprintf(a, sizeof(a), "%llx", (unsigned long long)nf.region_end);
			json_kv_str(w, "region_end", a);
		}
		json_kv_u64(w, "frames_in_use", nf.frames - nf.free);
		json_kv_u64(w, "frames_free", nf.free);
		json_kv_u64(w, "frames_populated", nf.populated);
		json_kv_u64(w, "misplaced_frames", nf.before.misplaced + nf.after.misplaced);
		json_kv_u64(w, "frames_collapsed", nf.collapsed);
		json_placement(w, "placement_before", &nf.before);
		json_placement(w, "placement_after", &nf.after);
		json_kv_u64(w, "pages_before", m->pages_before[g]);
		json_kv_u64(w, "pages_after", nf.pages_now);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void json_migration(struct json_w *w, struct machine *m, const struct mmu_snapshot *s)
{
	struct phase ph[PHASES_MAX];
	size_t n = phases_of(s, ph);
	double secs = run_seconds(m);

	json_key(w, "migration");
	json_obj_begin(w);
	json_kv_bool(w, "guard", s->guard);
	json_kv_bool(w, "unsafe", !s->guard);
	json_kv_bool(w, "stop_the_world", s->stop_the_world);
	json_kv_str(w, "strategy", mig_strategy_name(s->strategy));
	json_kv_str(w, "strategy_note", precopy_unverified_here(m) ? precopy_unverified_note : "");
	json_kv_u64(w, "copy_threads", s->copy_threads);
	json_kv_u64(w, "copies_parallel", s->copies_parallel);
	json_kv_u64(w, "copies_alone", s->copies_alone);
	json_kv_u64(w, "pages_unmap_copy", s->by_strategy[STRATEGY_UNMAP_COPY]);
	json_kv_u64(w, "pages_stop_the_world", s->by_strategy[STRATEGY_STOP_THE_WORLD]);
	json_kv_u64(w, "pages_precopy", s->by_strategy[STRATEGY_PRECOPY]);
	json_kv_u64(w, "precopy_rounds", s->precopy_rounds);
	json_kv_u64(w, "precopy_fallbacks", s->precopy_fallbacks);
	json_kv_u64(w, "precopy_errors", s->precopy_errors);
	json_kv_u64(w, "precopy_first_dirty_pieces", s->first_dirty_pieces);
	json_kv_u64(w, "precopy_residue_pieces", s->residue_pieces);
	json_kv_u64(w, "precopy_injections", s->injections);
	json_kv_u64(w, "precopy_injected_stale_pieces", s->injected_stale);
	json_kv_u64(w, "final_guard_skipped", s->final_guard_skipped);
	json_kv_u64(w, "batch_pages", s->batch_pages);
	json_kv_bool(w, "fault_injected", s->injected);
	if (s->injected) {
		json_kv_u64(w, "injected_page", s->injected_page);
		json_kv_u64(w, "injected_offset", s->injected_offset);
	}
	json_kv_u64(w, "done", s->done);
	json_kv_double(w, "per_s", secs > 0 ? (double)s->done / secs : 0);
	json_kv_u64(w, "by_hint_fault", s->by_reason[MIG_REASON_HINT_FAULT]);
	json_kv_u64(w, "by_schedule", s->by_reason[MIG_REASON_SCHEDULE]);
	json_kv_u64(w, "by_scanned", s->by_reason[MIG_REASON_SCANNED]);
	json_kv_u64(w, "aborted_nomem", s->aborted_nomem);
	json_kv_u64(w, "aborted_not_huge", s->aborted_not_huge);
	json_kv_u64(w, "frames_collapsed", s->collapsed);
	json_kv_u64(w, "frames_verified_huge", s->huge_verified);
	json_kv_u64(w, "frames_huge_unknown", s->huge_unknown);
	json_kv_u64(w, "busy", s->busy);
	json_kv_u64(w, "errors", s->errors);
	json_kv_u64(w, "bytes_copied", s->bytes_copied);
	json_kv_u64(w, "guard_flushes", s->guard_flushes);
	json_kv_u64(w, "guard_skipped_unsafe", s->guard_skipped);
	json_kv_u64(w, "eager_unmaps", s->eager_unmaps);
	json_kv_u64(w, "no_invalidation_needed", s->no_invalidation);
	json_kv_u64(w, "scan_windows", s->scan_windows);
	json_kv_u64(w, "scan_pages_marked", s->scan_pages_marked);
	json_kv_u64(w, "batched_flushes", s->batched_flushes);
	json_kv_u64(w, "batched_flush_frames", s->batched_flush_frames);
	json_kv_u64(w, "hint_faults", s->hint_faults);
	json_kv_u64(w, "hint_restored", s->hint_restored);
	json_kv_u64(w, "hint_migrations", s->hint_migrations);
	json_kv_u64(w, "fault_waits", s->fault_waits);
	json_kv_u64(w, "efaults", s->efaults);
	json_kv_u64(w, "invalidation_calls", s->invalidation_calls);
	json_kv_u64(w, "invalidated_frames", s->invalidated_frames);
	json_kv_u64(w, "mprotect_calls", s->mprotect_calls);
	json_key(w, "phases");
	json_obj_begin(w);
	for (size_t i = 0; i < n; i++)
		report_json_latency(w, ph[i].name, ph[i].rec);
	json_obj_end(w);
	json_obj_end(w);
}

/* The keys a host finding and a guest report share. */
static void json_bad_word(struct json_w *w, int lost, uint64_t page, uint64_t offset, uint64_t expected,
			  uint64_t found, int vcpu)
{
	json_kv_str(w, "kind", lost ? "lost" : "corrupt");
	json_kv_u64(w, "page", page);
	json_kv_u64(w, "offset", offset);
	json_kv_u64(w, "expected", expected);
	json_kv_u64(w, "found", found);
	json_kv_i64(w, "vcpu", vcpu);
}

static void json_guest_examples(struct json_w *w, const struct guest_checks *c)
{
	json_key(w, "guest_examples");
	json_arr_begin(w);
	for (int i = 0; i < c->nr_ex; i++) {
		const struct guest_bad_word *x = &c->ex[i];

		json_obj_begin(w);
		json_bad_word(w, x->lost, x->page, x->offset, x->expected, x->found, x->vcpu);
		json_kv_u64(w, "page_migrations", x->page_migrations);
		json_kv_i64(w, "node", x->node);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void json_integrity(struct json_w *w, const struct run_outcome *o, const struct guest_checks *c)
{
	json_key(w, "integrity");
	if (!o->integrity) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_bool(w, "pass", o->integrity_pass);
	json_kv_bool(w, "bad", o->integrity_bad);
	json_kv_u64(w, "guest_verdicts", o->guest_verdicts);
	json_kv_u64(w, "guest_words_checked", o->guest_words_checked);
	json_kv_u64(w, "guest_reports", o->guest_reports);
	json_kv_str(w, "inconclusive", o->inconclusive);
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
		json_bad_word(w, x->lost, x->page, x->offset, x->expected, x->found, x->vcpu);
		json_kv_u64(w, "seq", x->seq);
		json_kv_u64(w, "page_migrations", x->page_migrations);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_guest_examples(w, c);
	json_obj_end(w);
}

static void json_pages(struct json_w *w, struct machine *m, const struct mmu_snapshot *s)
{
	uint64_t min = UINT64_MAX, max = 0;

	json_key(w, "pages");
	json_arr_begin(w);
	for (uint32_t i = 0; i < s->ws_pages; i++) {
		struct mmu_page_figures pf;

		mmu_page_figures(&m->mmu, i, &pf);
		min = pf.migrations < min ? pf.migrations : min;
		max = pf.migrations > max ? pf.migrations : max;
		json_obj_begin(w);
		json_kv_u64(w, "index", i);
		json_kv_i64(w, "node", pf.node);
		json_kv_u64(w, "migrations", pf.migrations);
		json_kv_u64(w, "hint_faults", pf.hint_faults);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_kv_u64(w, "page_migrations_min", s->ws_pages ? min : 0);
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
	struct mmu_snapshot s;
	struct json_w w;

	mmu_snapshot(&m->mmu, &s);
	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_str(&w, "numig_version", NUMIG_VERSION);
	json_kv_str(&w, "guest", m->cfg.guest);
	json_kv_i64(&w, "exit_code", o->exit_code);
	json_kv_str(&w, "result", o->message);
	json_kv_u64(&w, "vcpus_count", (uint64_t)m->cfg.nr_vcpus);
	json_kv_u64(&w, "guest_nodes", (uint64_t)m->cfg.mmu.nr_nodes);
	json_kv_u64(&w, "mem_bytes", m->cfg.mem_bytes);
	json_kv_u64(&w, "ws_pages", s.ws_pages);
	json_kv_double(&w, "run_s", run_seconds(m));
	json_kv_double(&w, "create_ms", (double)(m->t_start_ns - m->t_create_ns) / 1e6);
	json_key(&w, "host");
	json_obj_begin(&w);
	json_kv_str(&w, "kernel", m->host.kernel);
	{
		char v[48];

		snprintf(v, sizeof(v), "%d.%d.%d", m->host.version.major, m->host.version.minor, m->host.version.patch);
		json_kv_str(&w, "kernel_version", v);
	}
	json_kv_str(&w, "kernel_version_source", m->host.version.source);
	json_kv_str(&w, "kvm_mmu", m->host.mmu_mode);
	json_kv_bool(&w, "shadow_paging", m->host.shadow_paging == 1);
	json_kv_str(&w, "hypervisor", m->host.hypervisor);
	/* Under emulation integrity, placement and guard results are real;
	 * timings are not performance data. */
	json_kv_bool(&w, "emulated", m->host.emulated);
	json_kv_i64(&w, "cpus", m->host.cpus);
	json_kv_i64(&w, "numa_nodes", m->host.nodes);
	json_kv_str(&w, "placement_note", m->placement_note);
	json_kv_str(&w, "domain_note", m->cfg.domain_note);
	json_kv_str(&w, "backing", s.hugetlb ? "hugetlb" : "thp");
	json_obj_end(&w);
	json_nodes(&w, m, &s);
	json_vcpus(&w, m);
	json_migration(&w, m, &s);
	account_json(&w, m);
	json_integrity(&w, o, &m->checks);
	{
		struct stall_figures *felt = stall_collect(m);

		stall_json(&w, felt);
		free(felt);
	}
	json_pages(&w, m, &s);
	json_series(&w, m);
	report_host_counters_json(&w, &m->host_counters);
	json_obj_end(&w);
	return w.err;
}

/* The plot's title: what ran, how pages moved, and on what host, so the
 * picture stands without the command line. */
static void plot_title(char *buf, size_t len, struct machine *m, const struct mmu_snapshot *s)
{
	const struct run_config *c = &m->cfg;

	snprintf(buf, len,
		 "numig: guest %s, %d vCPU%s, %d guest node%s, %s%s, guard %s%s\n"
		 "host: kernel %d.%d.%d, %s, %d CPUs, %d NUMA node%s; %u working-set pages, %.1f s",
		 c->guest, c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s", c->mmu.nr_nodes, c->mmu.nr_nodes == 1 ? "" : "s",
		 mmu_kernel_migrator(&c->mmu) ? mmu_migrator_name(c->mmu.migrator) : mmu_strategy_name(&c->mmu), s->copy_threads > 1 ? ", parallel copy" : "", c->mmu.guard ? "on" : "OFF (unsafe)",
		 s->batch_pages > 1 ? ", batched" : "", m->host.version.major, m->host.version.minor,
		 m->host.version.patch, m->host.mmu_mode, m->host.cpus, m->host.nodes, m->host.nodes == 1 ? "" : "s",
		 s->ws_pages, run_seconds(m));
}

int report_plot(const char *path, struct machine *m, char *err, size_t errlen)
{
	static uint64_t buckets[PHASES_MAX + 1][LAT_HIST_BUCKETS];
	struct plot_hist h[PHASES_MAX + 1];
	struct stall_figures *felt = NULL;
	struct phase ph[PHASES_MAX];
	struct mmu_snapshot snap;
	size_t n, nh = 0, ns = m->nr_samples;
	double *t = calloc(ns + 1, sizeof(double)), *ops = calloc(ns + 1, sizeof(double));
	double *mig = calloc(ns + 1, sizeof(double)), *guard = calloc(ns + 1, sizeof(double));
	struct plot_series s[3 + ACCOUNT_PLOT_NODES];
	double *placed = NULL;
	char title[512];
	int rc = -1, np;

	if (!t || !ops || !mig || !guard) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	mmu_snapshot(&m->mmu, &snap);
	n = phases_of(&snap, ph);
	for (size_t i = 0; i < n; i++) {
		struct lat_summary sum;

		if (ph[i].rec == snap.lat.batch_total && snap.batch_pages <= 1)
			continue; /* the same as total when pages move one at a time */
		memset(&sum, 0, sizeof(sum));
		lat_rec_summarize(ph[i].rec, &sum);
		lat_rec_histogram(ph[i].rec, buckets[nh], LAT_HIST_BUCKETS);
		h[nh] = (struct plot_hist){ ph[i].label, buckets[nh], LAT_HIST_BUCKETS, (double)sum.p50, (double)sum.p99, false };
		nh++;
	}
	felt = stall_collect(m);
	nh += (size_t)stall_plot_hist(felt, buckets[nh], LAT_HIST_BUCKETS, &h[nh]);
	for (size_t i = 0; i < ns; i++) {
		t[i] = m->samples[i].t_s;
		ops[i] = m->samples[i].ops_per_s;
		mig[i] = m->samples[i].migrations_per_s;
		guard[i] = m->samples[i].guard_flushes_per_s;
	}
	s[0] = (struct plot_series){ "guest throughput", "ops/s", t, ops, ns };
	s[1] = (struct plot_series){ "migrations", "migrations/s", t, mig, ns };
	s[2] = (struct plot_series){ "guard flushes", "guard flushes/s", t, guard, ns };
	np = account_plot_series(m, &s[3], &placed);
	plot_title(title, sizeof(title), m, &snap);
	rc = plot_write_svg(path, title, h, nh, s, 3 + (size_t)np, err, errlen);
out:
	free(placed);
	free(felt);
	free(t);
	free(ops);
	free(mig);
	free(guard);
	return rc;
}
