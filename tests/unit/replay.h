/* Replays a trail of the formal model (formal/migrate.pml) on numig's real
 * mmu code (tests/unit/test_replay.c). Each actor of the model is a thread
 * here: the vCPUs (fake ones: a TLB per page, filled from the real leaf in
 * two steps as KVM fills it, dropped when the real tlb.c invalidates, and
 * stores into the real frames), the migration thread and the scanner. A step point (mmu/step.h)
 * or a fake vCPU's store reports each step; a report must be the trail's
 * next line, and an actor takes its next step only when the trail says it
 * is its turn. So the real code runs in the trail's order, and any step it
 * takes that the model did not is a failure. */
#ifndef NUMIG_TESTS_REPLAY_H
#define NUMIG_TESTS_REPLAY_H

#include <pthread.h>
#include <stdint.h>

#include "mmu/mmu.h"

#define RP_VCPUS 2
#define RP_MIG 2      /* the model's actor numbers */
#define RP_SCAN 3
#define RP_ACTORS 4
#define RP_PAGES 2
#define RP_FRAMES 4   /* 2 per guest node, as in the model */
#define RP_STEPS 64
#define RP_WRITES 2   /* per vCPU, the model's W */

struct replay_case {
	const char *name;
	const char *const *trail;     /* the model's lines, "ACTOR STEP ARGS" */
	size_t len;
	int pages;                    /* the model's NP */
	int precopy;                  /* --strategy precopy, else unmap-copy */
	int guard;                    /* --no-guard when 0 */
	enum mig_inject inject;
	/* Lines of the trail that this run takes differently (the guard runs
	 * where the trail skipped it): each `from` becomes the `to` lines. */
	struct { const char *from; const char *to[4]; } edit[4];
};

struct replay {
	const struct replay_case *c;
	const char *want[RP_STEPS];   /* the trail, edited */
	size_t len;
	struct mmu mmu;
	uint8_t *sys_mem;
	pthread_mutex_t lock;         /* the schedule */
	pthread_cond_t turn;
	size_t next;                  /* index of the next step */
	int done;
	char why[600];                /* first failure */
	/* The fake vCPUs and their environment, under vlock. */
	pthread_mutex_t vlock;
	const struct frame *tlb[RP_VCPUS][RP_PAGES];
	const struct frame *walk[RP_VCPUS];   /* a walk in flight: the frame it read */
	uint64_t last[RP_PAGES][RP_VCPUS];     /* the guest's record */
	const struct frame *frame_id[RP_FRAMES]; /* the model's frame numbers */
	uint64_t dirty[RP_FRAMES][PIECES / 64]; /* fake KVM dirty log */
	uint64_t wp[RP_FRAMES][PIECES / 64];
	/* The property when the trail ended: words of the pages' current
	 * frames that do not hold their writer's last value. */
	int lost;
	char lost_what[160];
};

/* Sets up the mmu for the case, runs the actors through the trail, and
 * tears down. Returns 0 when the whole trail was replayed; r->why says
 * why not; r->lost is the property at the trail's end. */
int replay_run(struct replay *r, const struct replay_case *c);

#endif
