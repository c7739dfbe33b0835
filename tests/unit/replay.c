/* A model trail replayed on the real mmu code (replay.h). */
#include "replay.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/mmu_env.h"

/* How long an actor may wait for its turn before the replay is declared
 * stuck: the real code blocked where the model did not. */
#define RP_PATIENCE_S 10

static __thread int my_actor = -1;

/* What a step line carries after "ACTOR NAME". */
enum args { A_NONE, A_PAGE, A_PAGE_FRAME, A_PAGE_N, A_N, A_PAGE_FRAME_N };

static int actor_of(const char *line)
{
	return atoi(line);
}

static void fail(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->why[0]) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	r->done = 1;
	pthread_cond_broadcast(&r->turn);
}

/* Token `k` (0: the actor) of the line as a number, -1 if absent. */
static long token(const char *line, int k)
{
	const char *p = line;

	for (int i = 0; i < k && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p && *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

/* The model's number for a real frame. A frame met for the first time
 * gets the number the trail's next line has as token `token_no` (0: none),
 * if that number is free and on the frame's node: the
 * model's allocator and numig's may pick different free frames of a node,
 * and only a consistent renaming matters. Under r->lock. */
static int frame_id(struct replay *r, const struct frame *f, int token_no)
{
	long want;

	if (!f)
		return -1;
	for (int i = 0; i < RP_FRAMES; i++)
		if (r->frame_id[i] == f)
			return i;
	want = token_no > 0 && r->next < r->len ? token(r->want[r->next], token_no) : -1;
	if (want >= 0 && want < RP_FRAMES && !r->frame_id[want] && f->node == want / 2) {
		r->frame_id[want] = f;
		return (int)want;
	}
	return -1;
}

/* The property at the end of the trail, as the model asserts it: each
 * page's current frame holds each vCPU's last value. Under r->lock. */
static void snapshot(struct replay *r)
{
	pthread_mutex_lock(&r->vlock);
	for (int p = 0; p < r->c->pages; p++) {
		struct ws_page *pg = &r->mmu.ws.pages[p];
		const struct frame *f;

		pthread_mutex_lock(&pg->lock);
		f = pg->frame;
		pthread_mutex_unlock(&pg->lock);
		for (int v = 0; v < RP_VCPUS; v++) {
			uint64_t got = *(volatile uint64_t *)(f->hva + (uint64_t)v * PIECE_SIZE);

			if (got == r->last[p][v])
				continue;
			if (!r->lost++)
				snprintf(r->lost_what, sizeof(r->lost_what),
					 "page %d, vCPU %d: its frame (model frame %d) holds %llu, the vCPU wrote %llu", p,
					 v, frame_id(r, f, 0), (unsigned long long)got,
					 (unsigned long long)r->last[p][v]);
		}
	}
	pthread_mutex_unlock(&r->vlock);
}

/* One step taken by `actor`: it must be the trail's next line. */
static void report(struct replay *r, int actor, const char *name, enum args args, uint32_t page,
		   const struct frame *f, uint64_t n)
{
	char line[96];

	pthread_mutex_lock(&r->lock);
	if (r->done) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	switch (args) {
	case A_NONE:
		snprintf(line, sizeof(line), "%d %s", actor, name);
		break;
	case A_PAGE:
		snprintf(line, sizeof(line), "%d %s %u", actor, name, page);
		break;
	case A_PAGE_FRAME:
		snprintf(line, sizeof(line), "%d %s %u %d", actor, name, page, frame_id(r, f, 3));
		break;
	case A_PAGE_N:
		snprintf(line, sizeof(line), "%d %s %u %llu", actor, name, page, (unsigned long long)n);
		break;
	case A_N:
		snprintf(line, sizeof(line), "%d %s %llu", actor, name, (unsigned long long)n);
		break;
	case A_PAGE_FRAME_N:
		snprintf(line, sizeof(line), "%d %s %u %d %llu", actor, name, page, frame_id(r, f, 3),
			 (unsigned long long)n);
		break;
	}
	if (r->next >= r->len || strcmp(line, r->want[r->next])) {
		fail(r, "step %zu: the model took \"%s\", the code \"%s\"", r->next + 1,
		     r->next < r->len ? r->want[r->next] : "(nothing: the trail had ended)", line);
	} else if (++r->next == r->len) {
		snapshot(r);
		r->done = 1;
	}
	pthread_cond_broadcast(&r->turn);
	pthread_mutex_unlock(&r->lock);
}

/* Blocks until the trail's next step is `actor`'s. Returns 0 once the
 * trail is over (or failed): from then on actors run freely, to finish. */
static int wait_turn(struct replay *r, int actor)
{
	struct timespec until;
	int go;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RP_PATIENCE_S;
	pthread_mutex_lock(&r->lock);
	while (!r->done && actor_of(r->want[r->next]) != actor)
		if (pthread_cond_timedwait(&r->turn, &r->lock, &until) == ETIMEDOUT)
			fail(r, "stuck before step %zu (\"%s\"): its actor never got there", r->next + 1,
			     r->want[r->next]);
	go = !r->done;
	pthread_mutex_unlock(&r->lock);
	return go;
}

static enum args args_of(enum mmu_step s)
{
	switch (s) {
	case STEP_ALLOC_TARGET:
		return A_PAGE_FRAME;
	case STEP_DIRTY_GET:
		return A_PAGE_N;
	case STEP_TLB_INVALIDATE_FRAMES:
	case STEP_RELEASE_OLD_FRAMES:
	case STEP_SCAN_FLUSH:
		return A_N;
	case STEP_STALE_CLEARED:
		return A_NONE;
	default:
		return A_PAGE;
	}
}

/* The real code passed a step point (mmu/step.h). */
static void on_step(void *ctx, enum mmu_step s, uint32_t page, const struct frame *f, uint64_t n)
{
	struct replay *r = ctx;

	report(r, my_actor, mmu_step_name(s), args_of(s), page, f, n);
	wait_turn(r, my_actor);
}

/* KVM's part of an invalidation, for the fake vCPUs. */
static void on_invalidate(void *ctx, const struct frame *f)
{
	struct replay *r = ctx;

	pthread_mutex_lock(&r->vlock);
	for (int v = 0; v < RP_VCPUS; v++)
		for (int p = 0; p < RP_PAGES; p++)
			if (r->tlb[v][p] == f)
				r->tlb[v][p] = NULL;
	pthread_mutex_unlock(&r->vlock);
}

/* ---- the fake KVM dirty log (precopy): per frame, as vmm/vm/dirtylog.c ---- */

static int log_index(struct replay *r, uint64_t gpa)
{
	struct frame *f = pool_frame_of_gpa(&r->mmu.pool, gpa);

	return f ? (int)(f->node * r->mmu.pool.node[0].nr_frames + f->index) : -1;
}

static int fake_dirty_get(void *ctx, uint64_t gpa, uint64_t bits[PIECES / 64])
{
	struct replay *r = ctx;
	int i = log_index(r, gpa);

	if (i < 0 || i >= RP_FRAMES)
		return -EINVAL;
	pthread_mutex_lock(&r->vlock);
	memcpy(bits, r->dirty[i], sizeof(r->dirty[i]));
	pthread_mutex_unlock(&r->vlock);
	return 0;
}

static int fake_dirty_clear(void *ctx, uint64_t gpa, const uint64_t bits[PIECES / 64])
{
	struct replay *r = ctx;
	int i = log_index(r, gpa);

	if (i < 0 || i >= RP_FRAMES)
		return -EINVAL;
	pthread_mutex_lock(&r->vlock);
	for (unsigned k = 0; k < PIECES / 64; k++) {
		r->dirty[i][k] &= ~bits[k];
		r->wp[i][k] |= bits[k];
	}
	pthread_mutex_unlock(&r->vlock);
	return 0;
}

/* ---- the actors ------------------------------------------------------------ */

enum store { STORED, PAGE_FAULT, WRITE_PROTECTED, WALKED, RETRIED };

/* The frame the real leaf of page p points at now, or NULL if the leaf is
 * not present. */
static const struct frame *leaf_frame(struct replay *r, int p)
{
	uint64_t gpa;

	if (pt_translate(&r->mmu.pt, r->mmu.ws.pages[p].gva, &gpa))
		return NULL;
	return pool_frame_of_gpa(&r->mmu.pool, gpa);
}

/* One step of a store of vCPU v into its slot (piece v) of page p, as the
 * model's vcpu_store(): through its TLB, else in two steps as KVM fills a
 * translation: the walk (FNAME(walk_addr)) reads the real leaf into the
 * vCPU's walk in flight, or finds it not present (a #PF); then KVM resolves
 * the walk: a frame whose host mapping is read-only refuses the write
 * (hva_to_pfn(): an EFAULT exit), a leaf that changed since the walk is a
 * retry (FNAME(gpte_changed)), else the TLB is filled and the store made. */
static enum store fake_store(struct replay *r, int v, int p, uint64_t val)
{
	const struct frame *f;
	enum store res = STORED;

	pthread_mutex_lock(&r->vlock);
	f = r->tlb[v][p];
	if (!f && !r->walk[v]) {
		f = r->walk[v] = leaf_frame(r, p);
		res = f ? WALKED : PAGE_FAULT;
	} else if (!f) {
		f = r->walk[v];
		r->walk[v] = NULL;
		if (writable(f->hva + (uint64_t)v * PIECE_SIZE) == 1) {
			if (leaf_frame(r, p) != f)
				res = RETRIED;
			else
				r->tlb[v][p] = f;
		}
	}
	if (res != STORED) {
		/* decided above */
	} else if (writable(f->hva + (uint64_t)v * PIECE_SIZE) != 1) {
		res = WRITE_PROTECTED;
	} else {
		int i = (int)(f->node * r->mmu.pool.node[0].nr_frames + f->index);

		if (r->wp[i][v / 64] & (1ull << (v % 64))) {
			r->dirty[i][v / 64] |= 1ull << (v % 64);
			r->wp[i][v / 64] &= ~(1ull << (v % 64));
		}
		*(volatile uint64_t *)(f->hva + (uint64_t)v * PIECE_SIZE) = val;
		r->last[p][v] = val;
	}
	pthread_mutex_unlock(&r->vlock);
	switch (res) {
	case STORED:
		report(r, v, "write", A_PAGE_FRAME_N, (uint32_t)p, f, val);
		break;
	case PAGE_FAULT:
		report(r, v, "page_fault", A_PAGE, (uint32_t)p, NULL, 0);
		break;
	case WRITE_PROTECTED:
		report(r, v, "efault", A_PAGE_FRAME, (uint32_t)p, f, 0);
		break;
	case WALKED:
		report(r, v, "walk_addr", A_PAGE_FRAME, (uint32_t)p, f, 0);
		break;
	case RETRIED:
		report(r, v, "gpte_changed", A_PAGE_FRAME, (uint32_t)p, f, 0);
		break;
	}
	return res;
}

struct actor {
	struct replay *r;
	int id;
};

/* The page a vCPU writes, as the trail says: the model's vCPU picks one. */
static int page_of(struct replay *r, int v)
{
	for (size_t i = 0; i < r->len; i++) {
		const char *s = strchr(r->want[i], ' ');

		if (actor_of(r->want[i]) == v && s &&
		    (!strncmp(s, " write ", 7) || !strncmp(s, " page_fault ", 12) || !strncmp(s, " efault ", 8) ||
		     !strncmp(s, " walk_addr ", 11) || !strncmp(s, " gpte_changed ", 14)))
			return (int)token(r->want[i], 2);
	}
	return -1;
}

/* The model's vcpu(): W stores of 1, 2, ..., each retried after the fault
 * it takes, through the real fault path; a walk, or a retried one, goes on
 * with the same store. */
static void vcpu(struct replay *r, int v)
{
	int p = page_of(r, v);

	if (p < 0 || !wait_turn(r, v))
		return;
	for (uint64_t val = 1; val <= RP_WRITES; val++)
		for (;;) {
			enum store res = fake_store(r, v, p, val);

			if (!wait_turn(r, v))
				return;
			if (res == STORED)
				break;
			if (res == WALKED || res == RETRIED)
				continue;
			if (res == PAGE_FAULT)
				mmu_handle_page_fault(&r->mmu, v, r->mmu.ws.pages[p].gva);
			else
				mmu_handle_efault(&r->mmu);
			if (!wait_turn(r, v))
				return;
		}
}

/* The model's migration_thread(): schedule_batch_step() of every page,
 * pingpong. */
static void migration_thread(struct replay *r)
{
	struct ws_page *pages[RP_PAGES];
	int targets[RP_PAGES];

	for (int i = 0; i < r->c->pages; i++) {
		int cur;

		if (!wait_turn(r, RP_MIG))
			return;
		pages[i] = &r->mmu.ws.pages[i];
		pthread_mutex_lock(&pages[i]->lock);
		cur = pages[i]->frame->node;
		pthread_mutex_unlock(&pages[i]->lock);
		targets[i] = policy_schedule_target(SCHED_PINGPONG, 0, cur, 2, NULL);
		report(r, RP_MIG, "pick_target", A_PAGE_N, (uint32_t)i, NULL, (uint64_t)targets[i]);
	}
	if (wait_turn(r, RP_MIG))
		migrate_huge_pages(&r->mmu.mig, pages, targets, (size_t)r->c->pages, MIG_REASON_SCHEDULE, NULL);
}

/* The model's scanner(): one window, then its deferred flush. */
static void scanner(struct replay *r)
{
	if (!wait_turn(r, RP_SCAN))
		return;
	scan_mark_window(&r->mmu.scan);
	if (wait_turn(r, RP_SCAN))
		scan_flush_window(&r->mmu.scan);
}

static void *actor_main(void *arg)
{
	struct actor *a = arg;

	my_actor = a->id;
	if (a->id < RP_VCPUS)
		vcpu(a->r, a->id);
	else if (a->id == RP_MIG)
		migration_thread(a->r);
	else
		scanner(a->r);
	return NULL;
}

/* ---- set-up ---------------------------------------------------------------- */

static int setup(struct replay *r, const struct replay_case *c)
{
	struct mmu_config cfg = {
		.nr_nodes = 2,
		.guard = c->guard,
		.strategy = c->precopy ? STRATEGY_PRECOPY : STRATEGY_UNMAP_COPY,
		.precopy_rounds = 1,  /* the model's MAXR */
		.precopy_residue = 1, /* RESIDUE */
		.inject = c->inject,
		.hint_migrate = 1,
		.scan_size = (uint32_t)c->pages,
		.migrate_batch = (uint32_t)c->pages,
	};
	struct mmu_layout l = {
		.ws_pages = (uint32_t)c->pages,
		.pt_lo = 0x1000,
		.pt_hi = 0x100000,
		.ws_base = WS_BASE,
	};
	struct mig_hooks h = { .dirty_get = fake_dirty_get, .dirty_clear = fake_dirty_clear, .dirty_ctx = r };
	struct nerr e = { 0 };

	for (int g = 0; g < 2; g++)
		l.node[g] = (struct pool_node_spec){ RP_FRAMES / 2 * FRAME_SIZE, POOL_BIND, 1 };
	r->sys_mem = l.sys_mem = aligned_alloc(PT_HUGE, PT_HUGE);
	if (!r->sys_mem || mmu_init(&r->mmu, &cfg, &l, c->precopy ? &h : NULL, &e)) {
		snprintf(r->why, sizeof(r->why), "set-up: %s", e.msg);
		return -1;
	}
	if (r->mmu.pool.node[0].nr_frames * 2 != RP_FRAMES) {
		snprintf(r->why, sizeof(r->why), "set-up: %u frames per node, not %d", r->mmu.pool.node[0].nr_frames,
			 RP_FRAMES / 2);
		return -1;
	}
	/* The model: page p starts on the first frame of node p, every
	 * frame's vCPU pieces dirty and writable (KVM_DIRTY_LOG_INITIALLY_SET),
	 * the other pieces clean and protected. */
	for (int p = 0; p < c->pages; p++)
		r->frame_id[2 * p] = r->mmu.ws.pages[p].frame;
	for (int i = 0; i < RP_FRAMES; i++) {
		memset(r->wp[i], 0xff, sizeof(r->wp[i]));
		for (int v = 0; v < RP_VCPUS; v++) {
			r->dirty[i][0] |= 1ull << v;
			r->wp[i][0] &= ~(1ull << v);
		}
	}
	r->mmu.ws.step = (struct step_hook){ on_step, r };
	r->mmu.tlb.notify = on_invalidate;
	r->mmu.tlb.notify_ctx = r;
	return 0;
}

/* The trail with the case's edits. */
static int edit(struct replay *r, const struct replay_case *c)
{
	for (size_t i = 0; i < c->len; i++) {
		const char *const *to = NULL;

		for (int k = 0; k < 4 && c->edit[k].from; k++)
			if (!strcmp(c->trail[i], c->edit[k].from))
				to = c->edit[k].to;
		for (int k = 0; k < (to ? 4 : 1); k++) {
			const char *s = to ? to[k] : c->trail[i];

			if (!s)
				break;
			if (r->len == RP_STEPS)
				return -1;
			r->want[r->len++] = s;
		}
	}
	return 0;
}

int replay_run(struct replay *r, const struct replay_case *c)
{
	struct actor a[RP_ACTORS];
	pthread_t th[RP_ACTORS];
	int started = 0;

	memset(r, 0, sizeof(*r));
	r->c = c;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->turn, NULL);
	pthread_mutex_init(&r->vlock, NULL);
	if (edit(r, c) || r->len == 0) {
		snprintf(r->why, sizeof(r->why), "the trail is empty or longer than %d steps", RP_STEPS);
		return -1;
	}
	if (setup(r, c) == 0) {
		for (; started < RP_ACTORS; started++) {
			a[started] = (struct actor){ r, started };
			if (pthread_create(&th[started], NULL, actor_main, &a[started])) {
				pthread_mutex_lock(&r->lock);
				fail(r, "pthread_create failed");
				pthread_mutex_unlock(&r->lock);
				break;
			}
		}
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		mmu_destroy(&r->mmu);
	}
	free(r->sys_mem);
	pthread_mutex_destroy(&r->vlock);
	pthread_cond_destroy(&r->turn);
	pthread_mutex_destroy(&r->lock);
	return r->why[0] || r->next != r->len ? -1 : 0;
}
