/* A guest's check reports (checks.h): validated here, once, before use. */
#include "checks.h"

#include "guest_input.h"
#include "machine.h"
#include "mmu/snapshot.h"

int guest_checks_bad_word(struct vcpu *v)
{
	struct machine *m = v->m;
	const uint64_t *a = v->mb->arg;
	uint64_t kind = a[0], page = a[1], offset = a[2];
	struct guest_checks *c = &m->checks;
	struct mmu_page_figures pf = { .node = -1 };

	if (kind != NUMIG_BAD_LOST && kind != NUMIG_BAD_CORRUPT) {
		machine_fail(m, v, "bad-word report of unknown kind %llu (valid: %d lost, %d corrupt)",
			     (unsigned long long)kind, NUMIG_BAD_LOST, NUMIG_BAD_CORRUPT);
		return 1;
	}
	if (page >= m->mmu.ws.nr_pages || offset >= NUMIG_HUGE_PAGE) {
		machine_fail(m, v, "bad-word report outside the working set: page %llu offset %#llx (the working set "
				   "is %u pages of %#llx bytes)",
			     (unsigned long long)page, (unsigned long long)offset, m->mmu.ws.nr_pages,
			     (unsigned long long)NUMIG_HUGE_PAGE);
		return 1;
	}
	mmu_page_figures(&m->mmu, (uint32_t)page, &pf);
	pthread_mutex_lock(&m->lock);
	if (kind == NUMIG_BAD_LOST)
		c->lost++;
	else
		c->corrupt++;
	if (c->nr_ex < GUEST_BAD_EXAMPLES)
		c->ex[c->nr_ex++] = (struct guest_bad_word){
			.vcpu = v->id, .lost = kind == NUMIG_BAD_LOST, .page = (uint32_t)page, .offset = offset,
			.expected = a[3], .found = a[4], .page_migrations = pf.migrations, .node = pf.node,
		};
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int guest_checks_verdict(struct vcpu *v)
{
	struct machine *m = v->m;
	struct guest_checks *c = &m->checks;
	uint64_t n = v->mb->arg[0];

	pthread_mutex_lock(&m->lock);
	if (!(c->verdict_vcpus & (1ull << v->id))) {
		c->verdict_vcpus |= 1ull << v->id;
		c->verdicts++;
		c->words_checked = guest_sat_add(c->words_checked, n);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}
