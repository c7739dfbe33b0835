/* Invalidation through the host mapping (see tlb.h). */
#include "tlb.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "faultpoint.h"

int tlb_init(struct tlb *t)
{
	pthread_mutex_init(&t->lock, NULL);
	atomic_init(&t->seq, 0);
	atomic_init(&t->in_progress, 0);
	atomic_init(&t->calls, 0);
	atomic_init(&t->invalidations, 0);
	atomic_init(&t->frames_invalidated, 0);
	return lat_rec_init(&t->per_call, 1 << 16);
}

void tlb_destroy(struct tlb *t)
{
	lat_rec_free(&t->per_call);
	pthread_mutex_destroy(&t->lock);
}

static int by_hva(const void *a, const void *b)
{
	const struct frame *x = *(struct frame *const *)a, *y = *(struct frame *const *)b;

	return x->hva < y->hva ? -1 : x->hva > y->hva;
}

/* A held frame is read-only already; a frame the VMM writes must stay
 * writable. Both are left alone. */
static int untouchable(const struct frame *f)
{
	return f->ro_holds || f->vmm_writes;
}

/* Applies `prot` to each maximal run of host-contiguous frames in the
 * sorted array; untouchable frames break runs. */
static int protect_runs(struct tlb *t, struct frame **f, size_t n, int prot)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		if (untouchable(f[i])) {
			i++;
			continue;
		}
		while (j + 1 < n && f[j + 1]->hva == f[j]->hva + FRAME_SIZE && !untouchable(f[j + 1]))
			j++;
		atomic_fetch_add(&t->calls, 1);
		if (mprotect(f[i]->hva, (j - i + 1) * FRAME_SIZE, prot))
			return -errno;
		if (t->notify && !(prot & PROT_WRITE))
			for (size_t k = i; k <= j; k++)
				t->notify(t->notify_ctx, f[k]);
		i = j + 1;
	}
	return 0;
}

int tlb_invalidate_frames(struct tlb *t, struct frame **frames, size_t n, int keep_ro)
{
	struct frame *stack[64], **sorted = stack;
	uint64_t t0 = now_ns();
	size_t m = 0;
	int rc;

	if (n && faultpoint_hit(FP_INVALIDATE))
		return -EIO;
	if (n == 0)
		return 0;
	if (n > 64) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < m && sorted[k] != frames[i]; k++)
			;
		if (k == m)
			sorted[m++] = frames[i];
	}
	qsort(sorted, m, sizeof(*sorted), by_hva);
	atomic_fetch_add(&t->in_progress, 1);
	pthread_mutex_lock(&t->lock);
	/* A frame already held read-only has no writable translation and no
	 * leaf points at it (it belongs to a migration in flight), so it is
	 * skipped here and left read-only below. */
	rc = protect_runs(t, sorted, m, PROT_READ);
	if (!rc && keep_ro) {
		for (size_t i = 0; i < m; i++)
			if (!sorted[i]->vmm_writes)
				sorted[i]->ro_holds++;
	} else if (!rc) {
		rc = protect_runs(t, sorted, m, PROT_READ | PROT_WRITE);
	}
	pthread_mutex_unlock(&t->lock);
	atomic_fetch_add(&t->invalidations, 1);
	atomic_fetch_add(&t->frames_invalidated, m);
	atomic_fetch_add(&t->seq, 1);
	atomic_fetch_sub(&t->in_progress, 1);
	lat_rec_add(&t->per_call, now_ns() - t0);
	if (sorted != stack)
		free(sorted);
	return rc;
}

void tlb_begin_vmm_write(struct tlb *t, struct frame *f)
{
	pthread_mutex_lock(&t->lock);
	f->vmm_writes++;
	pthread_mutex_unlock(&t->lock);
}

void tlb_end_vmm_write(struct tlb *t, struct frame *f)
{
	pthread_mutex_lock(&t->lock);
	f->vmm_writes--;
	pthread_mutex_unlock(&t->lock);
}

int tlb_release(struct tlb *t, struct frame *f)
{
	return tlb_release_frames(t, &f, 1);
}

int tlb_release_frames(struct tlb *t, struct frame **frames, size_t n)
{
	struct frame *stack[64], **last = n <= 64 ? stack : malloc(n * sizeof(*last));
	size_t m = 0;
	int rc;

	if (!last)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	for (size_t k = 0; k < n; k++)
		if (frames[k]->ro_holds > 0 && --frames[k]->ro_holds == 0)
			last[m++] = frames[k];
	qsort(last, m, sizeof(*last), by_hva);
	rc = protect_runs(t, last, m, PROT_READ | PROT_WRITE);
	pthread_mutex_unlock(&t->lock);
	if (last != stack)
		free(last);
	return rc;
}
