/* KVM dirty logging for precopy (dirtylog.h). Why the bitmap and not the
 * dirty ring, though this host's KVM offers both: a fault costs the same
 * (~11 us here), but the ring has no INITIALLY_SET, so turning it on would
 * write-protect all guest memory and every page would fault once; and a
 * ring is harvested per vCPU and reset for all at once, while the bitmap
 * lets one migration read and re-protect just its own 2 MiB
 * (/work/shared/experiments/dirty-log-probe/NOTES.md). */
#include "dirtylog.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm.h"

int dirty_log_enable(struct dirty_log *d, struct kvm_vm *vm, struct nerr *e)
{
	const uint64_t want = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .args = { want } };
	int have;

	memset(d, 0, sizeof(*d));
	d->vm_fd = vm->vm_fd;
	have = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	if (have < 0 || ((uint64_t)have & want) != want)
		return nerr_set(e, NUMIG_EXIT_ENV,
				"KVM lacks KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with INITIALLY_SET (needed for --strategy "
				"precopy and auto)");
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "KVM_ENABLE_CAP MANUAL_DIRTY_LOG_PROTECT2: %s", strerror(errno));
	return 0;
}

int dirty_log_add_slot(struct dirty_log *d, uint32_t slot, uint64_t gpa, uint64_t bytes, struct nerr *e)
{
	struct dirty_slot *s;

	if (d->nr_slots >= POOL_MAX_NODES)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "too many logged memslots");
	s = &d->slots[d->nr_slots];
	s->bitmap = calloc((bytes / PIECE_SIZE + 63) / 64, sizeof(uint64_t));
	if (!s->bitmap)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "out of memory for a dirty bitmap");
	s->slot = slot;
	s->gpa = gpa;
	s->bytes = bytes;
	pthread_mutex_init(&s->lock, NULL);
	d->nr_slots++;
	return 0;
}

void dirty_log_destroy(struct dirty_log *d)
{
	for (int i = 0; i < d->nr_slots; i++) {
		free(d->slots[i].bitmap);
		pthread_mutex_destroy(&d->slots[i].lock);
	}
	d->nr_slots = 0;
}

static struct dirty_slot *slot_of(struct dirty_log *d, uint64_t gpa)
{
	for (int i = 0; i < d->nr_slots; i++)
		if (gpa >= d->slots[i].gpa && gpa + FRAME_SIZE <= d->slots[i].gpa + d->slots[i].bytes)
			return &d->slots[i];
	return NULL;
}

int dirty_log_get(void *ctx, uint64_t gpa, uint64_t bits[PIECES / 64])
{
	struct dirty_slot *s = slot_of(ctx, gpa);
	struct kvm_dirty_log log;
	uint64_t first;
	int rc = 0;

	if (!s || gpa % FRAME_SIZE)
		return -EINVAL;
	first = (gpa - s->gpa) / PIECE_SIZE;
	memset(&log, 0, sizeof(log));
	log.slot = s->slot;
	log.dirty_bitmap = s->bitmap;
	/* With manual protect this only reads: nothing is cleared here. */
	pthread_mutex_lock(&s->lock);
	if (ioctl(((struct dirty_log *)ctx)->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		rc = -errno;
	else
		memcpy(bits, s->bitmap + first / 64, PIECES / 8);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int dirty_log_clear(void *ctx, uint64_t gpa, const uint64_t bits[PIECES / 64])
{
	struct dirty_slot *s = slot_of(ctx, gpa);
	uint64_t copy[PIECES / 64];
	struct kvm_clear_dirty_log c;

	if (!s || gpa % FRAME_SIZE)
		return -EINVAL;
	memcpy(copy, bits, sizeof(copy));
	memset(&c, 0, sizeof(c));
	c.slot = s->slot;
	c.first_page = (gpa - s->gpa) / PIECE_SIZE;
	c.num_pages = PIECES;
	c.dirty_bitmap = copy;
	if (ioctl(((struct dirty_log *)ctx)->vm_fd, KVM_CLEAR_DIRTY_LOG, &c) < 0)
		return -errno;
	return 0;
}
