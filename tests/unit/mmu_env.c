/* The mmu unit tests' shared environment and helpers (mmu_env.h). */
#include "mmu_env.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness.h"

int env_init(struct env *v, int nodes, uint64_t bytes_per_node, uint32_t pages, const int *initial, int guard)
{
	const int host[4] = { 0, 0, 0, 0 };
	struct nerr e = { 0 };

	memset(v, 0, sizeof(*v));
	v->cfg.nr_nodes = nodes;
	v->cfg.guard = guard;
	v->mem = aligned_alloc(PT_HUGE, PT_HUGE);
	if (!v->mem || pt_init(&v->pt, v->mem, 0x1000, 0x100000, &e) ||
	    pool_create(&v->pool, nodes, bytes_per_node, host, 0, &e) ||
	    ws_create(&v->ws, &v->pt, &v->pool, WS_BASE, pages, initial, &e) || tlb_init(&v->tlb) ||
	    migrator_init(&v->m, &v->ws, &v->pool, &v->tlb, &v->cfg, NULL)) {
		tap_diag("environment set-up failed: %s", e.msg);
		return -1;
	}
	return 0;
}

void env_destroy(struct env *v)
{
	migrator_destroy(&v->m);
	tlb_destroy(&v->tlb);
	ws_destroy(&v->ws);
	pool_destroy(&v->pool);
	free(v->mem);
}

uint64_t word_of(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);

	x ^= x >> 31;
	return x * 0x94d049bb133111ebull;
}

void fill(uint8_t *hva, uint64_t seed)
{
	uint64_t *w = (uint64_t *)hva;

	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		w[i] = word_of(seed, i);
}

uint64_t pattern_diffs(const uint8_t *hva, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)hva;
	uint64_t n = 0;

	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		n += w[i] != word_of(seed, i);
	return n;
}

uint64_t byte_diffs(const uint8_t *a, const uint8_t *b, uint64_t *first)
{
	uint64_t n = 0;

	*first = UINT64_MAX;
	for (uint64_t i = 0; i < FRAME_SIZE; i++)
		if (a[i] != b[i]) {
			if (!n)
				*first = i;
			n++;
		}
	return n;
}

/* read(2) into a read-only page gives EFAULT instead of a fault. The byte
 * is rewritten with its own value, so content is preserved. */
int writable(uint8_t *p)
{
	int fds[2], ok;
	uint8_t c = *(volatile uint8_t *)p;

	if (pipe(fds))
		return -1;
	ok = write(fds[1], &c, 1) == 1 && read(fds[0], p, 1) == 1;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

uint32_t total_free(struct pool *p)
{
	uint32_t n = 0;

	for (int g = 0; g < p->nr_nodes; g++)
		n += pool_free_frames(p, g);
	return n;
}
