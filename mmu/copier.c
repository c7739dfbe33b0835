/* Parallel copy crews (copier.h). Workers sleep between copies: on a host
 * whose CPUs also run vCPUs, a spinning worker takes the CPU a vCPU wants
 * (parallel-copy/NOTES.md). */
#define _GNU_SOURCE
#include "copier.h"

#include <numa.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

/* Part `part` of `parts` of the crew's job, cut at 64-byte lines. */
static void copy_part(uint8_t *dst, const uint8_t *src, size_t len, uint32_t part, uint32_t parts)
{
	size_t lines = len / 64, from = lines * part / parts * 64, to = lines * (part + 1) / parts * 64;

	memcpy(dst + from, src + from, to - from);
}

static void *worker_main(void *p)
{
	struct copy_worker *a = p;
	struct copy_crew *k = a->crew;
	uint64_t seen = 0;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		uint8_t *dst;
		const uint8_t *src;
		size_t len;

		while (k->gen == seen && !k->stop)
			pthread_cond_wait(&k->go, &k->lock);
		if (k->stop)
			break;
		seen = k->gen;
		dst = k->dst;
		src = k->src;
		len = k->len;
		pthread_mutex_unlock(&k->lock);
		copy_part(dst, src, len, a->part, a->parts);
		pthread_mutex_lock(&k->lock);
		if (--k->pending == 0)
			pthread_cond_signal(&k->done);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* The n-th CPU of the host node, or -1 when libnuma cannot say. */
static int nth_cpu_of_node(int node, uint32_t n)
{
	struct bitmask *cpus;
	int count = 0, pick = -1;

	if (numa_available() < 0 || !(cpus = numa_allocate_cpumask()))
		return -1;
	if (numa_node_to_cpus(node, cpus) == 0) {
		for (unsigned c = 0; c < cpus->size; c++)
			count += numa_bitmask_isbitset(cpus, c);
		for (unsigned c = 0, want = count ? n % (unsigned)count : 0; count && c < cpus->size && pick < 0; c++)
			if (numa_bitmask_isbitset(cpus, c) && want-- == 0)
				pick = (int)c;
	}
	numa_free_cpumask(cpus);
	return pick;
}

static void pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(t, sizeof(set), &set); /* best effort: placement, not correctness */
}

int copier_start(struct copier *c, uint32_t threads, int nr_nodes, const int *host_node_of, struct nerr *e)
{
	memset(c, 0, sizeof(*c));
	c->threads = threads > COPIER_MAX_THREADS ? COPIER_MAX_THREADS : threads;
	if (c->threads <= 1)
		return 0;
	for (int g = 0; g < nr_nodes && g < POOL_MAX_NODES; g++) {
		struct copy_crew *k = &c->crew[g];

		pthread_mutex_init(&k->busy, NULL);
		pthread_mutex_init(&k->lock, NULL);
		pthread_cond_init(&k->go, NULL);
		pthread_cond_init(&k->done, NULL);
		k->host_node = host_node_of[g];
		c->nr_crews = g + 1;
		for (uint32_t i = 1; i < c->threads; i++) {
			k->w[i] = (struct copy_worker){ k, i, c->threads };
			if (pthread_create(&k->th[i], NULL, worker_main, &k->w[i])) {
				copier_stop(c);
				return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot start copy thread %u of node %d", i, g);
			}
			k->nr_started = i;
			pin(k->th[i], nth_cpu_of_node(k->host_node, i));
		}
	}
	return 0;
}

void copier_stop(struct copier *c)
{
	for (int g = 0; g < c->nr_crews; g++) {
		struct copy_crew *k = &c->crew[g];

		pthread_mutex_lock(&k->lock);
		k->stop = 1;
		pthread_cond_broadcast(&k->go);
		pthread_mutex_unlock(&k->lock);
		for (uint32_t i = 1; i <= k->nr_started; i++)
			pthread_join(k->th[i], NULL);
		pthread_cond_destroy(&k->go);
		pthread_cond_destroy(&k->done);
		pthread_mutex_destroy(&k->lock);
		pthread_mutex_destroy(&k->busy);
	}
	c->nr_crews = 0;
	c->threads = 1;
}

void copier_copy(struct copier *c, int node, void *dst, const void *src, size_t len)
{
	struct copy_crew *k;

	if (!c || c->threads <= 1 || node < 0 || node >= c->nr_crews || len % 64) {
		memcpy(dst, src, len);
		return;
	}
	k = &c->crew[node];
	if (pthread_mutex_trylock(&k->busy)) {
		__atomic_fetch_add(&c->alone, 1, __ATOMIC_RELAXED);
		memcpy(dst, src, len);
		return;
	}
	pthread_mutex_lock(&k->lock);
	k->dst = dst;
	k->src = src;
	k->len = len;
	k->pending = c->threads - 1;
	k->gen++;
	pthread_cond_broadcast(&k->go);
	pthread_mutex_unlock(&k->lock);
	copy_part(dst, src, len, 0, c->threads);
	/* Bounded: each worker has one memcpy of len / threads bytes to do. */
	pthread_mutex_lock(&k->lock);
	while (k->pending)
		pthread_cond_wait(&k->done, &k->lock);
	pthread_mutex_unlock(&k->lock);
	pthread_mutex_unlock(&k->busy);
	__atomic_fetch_add(&c->parallel, 1, __ATOMIC_RELAXED);
}
