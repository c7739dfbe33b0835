/* The kernel as migrator (kmigrate.h). */
#define _GNU_SOURCE
#include "kmigrate.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h" /* MIG_BATCH_MAX */
#include "probes.h"

static const char *const errno_names[KMIG_NR_ERRNOS] = {
	[KMIG_EBUSY] = "EBUSY", [KMIG_ENOMEM] = "ENOMEM", [KMIG_EACCES] = "EACCES", [KMIG_EFAULT] = "EFAULT",
	[KMIG_ENOENT] = "ENOENT", [KMIG_EIO] = "EIO", [KMIG_EINVAL] = "EINVAL", [KMIG_EOTHER] = "other",
};

const char *kmig_errno_name(enum kmig_errno i)
{
	return i < KMIG_NR_ERRNOS ? errno_names[i] : "other";
}

enum kmig_errno kmig_errno_index(int err)
{
	switch (err) {
	case EBUSY: return KMIG_EBUSY;
	case ENOMEM: return KMIG_ENOMEM;
	case EACCES: return KMIG_EACCES;
	case EFAULT: return KMIG_EFAULT;
	case ENOENT: return KMIG_ENOENT;
	case EIO: return KMIG_EIO;
	case EINVAL: return KMIG_EINVAL;
	default: return KMIG_EOTHER;
	}
}

long kmig_move_pages(unsigned long count, void **pages, const int *nodes, int *status, int flags)
{
	return numa_move_pages(0, count, pages, nodes, status, flags);
}

int kmig_init(struct kmigrator *k, struct ws *ws, struct pool *pool)
{
	memset(k, 0, sizeof(*k));
	k->ws = ws;
	k->pool = pool;
	k->move = kmig_move_pages;
	k->expect = malloc((ws->nr_pages ? ws->nr_pages : 1) * sizeof(*k->expect));
	if (!k->expect || lat_rec_init(&k->st.call, 1 << 16) || lat_rec_init(&k->st.per_page, 1 << 16))
		return -1;
	for (uint32_t i = 0; i < ws->nr_pages; i++)
		k->expect[i] = -1;
	return 0;
}

void kmig_where(const struct kmigrator *k, struct ws_page **pages, size_t n, int *host)
{
	void *addr[MIG_BATCH_MAX];

	if (n > MIG_BATCH_MAX)
		n = MIG_BATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		addr[i] = pages[i]->frame->hva;
		host[i] = -ENOENT;
	}
	if (k->move(n, addr, NULL, host, 0))
		for (size_t i = 0; i < n; i++)
			host[i] = -ENOENT;
}

void kmig_check_placement(const struct kmigrator *k, struct kmig_check *out)
{
	struct ws_page *pages[MIG_BATCH_MAX];
	int host[MIG_BATCH_MAX];
	int16_t want[MIG_BATCH_MAX];
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i <= k->ws->nr_pages; i++) {
		/* Moved pages in batches of one query each. */
		if (n == MIG_BATCH_MAX || (i == k->ws->nr_pages && n)) {
			kmig_where(k, pages, n, host);
			for (size_t j = 0; j < n; j++) {
				out->absent += host[j] < 0;
				out->agree += host[j] >= 0 && host[j] == want[j];
			}
			n = 0;
		}
		if (i == k->ws->nr_pages || k->expect[i] < 0)
			continue;
		out->pages++;
		pages[n] = &k->ws->pages[i];
		want[n++] = k->expect[i];
	}
}

void kmig_destroy(struct kmigrator *k)
{
	lat_rec_free(&k->st.call);
	lat_rec_free(&k->st.per_page);
	free(k->expect);
	k->expect = NULL;
}

/* Guest node whose host node is h: the page's own first, so that guest
 * nodes sharing a host node do not move pages among themselves. */
static int guest_node_of_host(const struct kmigrator *k, int h, int own)
{
	if (k->pool->node[own].host_node == h)
		return own;
	for (int g = 0; g < k->pool->nr_nodes; g++)
		if (k->pool->node[g].host_node == h)
			return g;
	return own;
}

int kmig_current_node(const struct kmigrator *k, const struct ws_page *pg, int h)
{
	return h < 0 ? pg->frame->node : guest_node_of_host(k, h, pg->frame->node);
}

static void count_failure(struct kmigrator *k, int err)
{
	atomic_fetch_add(&k->st.failed, 1);
	atomic_fetch_add(&k->st.by_errno[kmig_errno_index(err)], 1);
}

size_t kmig_move(struct kmigrator *k, struct ws_page **pages, const int *targets, const int *where, size_t n)
{
	void *ask[MIG_BATCH_MAX];
	int to[MIG_BATCH_MAX], status[MIG_BATCH_MAX], after[MIG_BATCH_MAX];
	int huge_before[MIG_BATCH_MAX];
	uint32_t idx[MIG_BATCH_MAX];
	struct frame *fr[MIG_BATCH_MAX];
	size_t nask = 0, moved = 0;
	uint64_t t0, dt;
	long rc;

	if (n > MIG_BATCH_MAX)
		n = MIG_BATCH_MAX;
	atomic_fetch_add(&k->st.asked, n);
	/* A page already on its target is not asked for, so the call's time is
	 * that of real moves. */
	for (size_t i = 0; i < n; i++) {
		int h = k->pool->node[targets[i]].host_node;

		if (where[i] == h) {
			atomic_fetch_add(&k->st.already, 1);
			continue;
		}
		idx[nask] = pages[i]->index;
		fr[nask] = pages[i]->frame;
		huge_before[nask] = frame_huge_state(k->pool, fr[nask]) == FRAME_HUGE;
		ask[nask] = fr[nask]->hva;
		to[nask] = h;
		status[nask] = -EINPROGRESS;
		nask++;
	}
	if (!nask)
		return 0;
	NUMIG_PROBE(kmigrate_start, nask, idx[0], to[0], ask[0]);
	t0 = now_ns();
	rc = k->move(nask, ask, to, status, MPOL_MF_MOVE);
	dt = now_ns() - t0;
	NUMIG_PROBE(kmigrate_end, nask, idx[0], to[0], rc, dt);
	atomic_fetch_add(&k->st.calls, 1);
	lat_rec_add(&k->st.call, dt);
	for (size_t i = 0; i < nask; i++)
		lat_rec_add(&k->st.per_page, dt / nask);
	if (rc < 0) {
		int err = errno;

		atomic_fetch_add(&k->st.call_failed, 1);
		for (size_t i = 0; i < nask; i++)
			count_failure(k, err);
		return 0;
	}
	/* The status array says where the kernel meant each page to go; where
	 * it really is, a second query says (outside the timed call). */
	if (k->move(nask, ask, NULL, after, 0))
		for (size_t i = 0; i < nask; i++)
			after[i] = status[i];
	for (size_t i = 0; i < nask; i++) {
		if (status[i] < 0 && status[i] != -EINPROGRESS) {
			count_failure(k, -status[i]);
			continue;
		}
		if (after[i] != to[i]) {
			/* Reported done (or left unreported), measured elsewhere. */
			atomic_fetch_add(&k->st.elsewhere, 1);
			atomic_fetch_add(&k->st.failed, 1);
			continue;
		}
		moved++;
		k->expect[idx[i]] = (int16_t)to[i];
		atomic_fetch_add(&k->st.moved, 1);
		if (huge_before[i] && frame_huge_state(k->pool, fr[i]) == FRAME_NOT_HUGE)
			atomic_fetch_add(&k->st.split, 1);
	}
	return moved;
}
