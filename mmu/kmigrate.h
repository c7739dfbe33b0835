/* The host kernel as numig's migrator (--migrator move-pages): the migration
 * thread asks the kernel, with move_pages(2), to move the 2 MiB host frame
 * behind a working-set page to the host node of the pattern's target guest
 * node. numig's tables and frames stay as they are (the guest-physical
 * address does not change); the kernel's THP migration and KVM's MMU
 * notifier do the rest. Each call is timed like a phase, and each page's
 * outcome is counted: moved, already there, split to 4 KiB, or failed with
 * its errno. */
#ifndef NUMIG_MMU_KMIGRATE_H
#define NUMIG_MMU_KMIGRATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pool.h"
#include "stats.h"
#include "ws.h"

/* move_pages(2) on this process (pid 0); nodes NULL only queries. A seam,
 * so unit tests can play a two-node kernel on a one-node host. */
typedef long (*kmig_move_fn)(unsigned long count, void **pages, const int *nodes, int *status, int flags);

/* The errnos counted one by one (move_pages(2) lists them); the rest are
 * counted together as "other". */
enum kmig_errno { KMIG_EBUSY, KMIG_ENOMEM, KMIG_EACCES, KMIG_EFAULT, KMIG_ENOENT, KMIG_EIO, KMIG_EINVAL,
		  KMIG_EOTHER, KMIG_NR_ERRNOS };

struct kmig_stats {
	struct lat_rec call;            /* one move_pages call, the pages of a batch together */
	struct lat_rec per_page;        /* a call's time divided by its pages */
	atomic_uint_fast64_t calls;     /* move_pages calls that asked for a move */
	atomic_uint_fast64_t call_failed; /* ... and failed as a whole (every page counted under its errno) */
	atomic_uint_fast64_t asked;     /* pages chosen by the pattern */
	atomic_uint_fast64_t moved;     /* measured on the target node after the call */
	atomic_uint_fast64_t already;   /* it was there before the call: not asked */
	atomic_uint_fast64_t split;     /* moved, and no longer one host huge page */
	atomic_uint_fast64_t failed;    /* the kernel left it where it was */
	atomic_uint_fast64_t by_errno[KMIG_NR_ERRNOS];
	atomic_uint_fast64_t elsewhere; /* no error reported, but measured off the target afterwards (in failed) */
};

struct kmigrator {
	struct ws *ws;
	struct pool *pool;
	kmig_move_fn move;              /* kmig_move_pages unless a test replaces it */
	struct kmig_stats st;
	int16_t *expect;                /* per page: host node of its last verified move; -1 none */
};

/* At the end of a run: do the frames lie where the kernel's last verified
 * move of each page put them? Pages never moved are not counted. */
struct kmig_check {
	uint32_t pages;                 /* moved at least once */
	uint32_t agree;                 /* measured on the node of their last move */
	uint32_t absent;                /* nothing behind them any more */
};
void kmig_check_placement(const struct kmigrator *k, struct kmig_check *out);

/* The default move: numa_move_pages(0, ...). */
long kmig_move_pages(unsigned long count, void **pages, const int *nodes, int *status, int flags);

int kmig_init(struct kmigrator *k, struct ws *ws, struct pool *pool);
void kmig_destroy(struct kmigrator *k);

/* Where pages[i]'s frames are now, in one query (up to MIG_BATCH_MAX
 * pages): host[i] is the host node, or negative when nothing says. */
void kmig_where(const struct kmigrator *k, struct ws_page **pages, size_t n, int *host);

/* The guest node a page counts as being on for the pattern, its frame being
 * on host node h (kmig_where): the guest node whose host node that is, else
 * the frame's own guest node. */
int kmig_current_node(const struct kmigrator *k, const struct ws_page *pg, int h);

/* Asks the kernel to move pages[i]'s frame to the host node of guest node
 * targets[i], one call for the batch (up to MIG_BATCH_MAX pages); where[i]
 * is kmig_where's answer just before, and a page already on its target is
 * not asked for. Returns the number the kernel moved. */
size_t kmig_move(struct kmigrator *k, struct ws_page **pages, const int *targets, const int *where, size_t n);

/* "EBUSY", ..., "other". */
const char *kmig_errno_name(enum kmig_errno i);
/* Which counter an errno (positive) goes to. */
enum kmig_errno kmig_errno_index(int err);

#endif
