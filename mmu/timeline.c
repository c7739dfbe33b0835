/* Placement over time (timeline.h). */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

int timeline_init(struct timeline *t, const struct pool *p, int host_nodes)
{
	memset(t, 0, sizeof(*t));
	t->pool = p;
	t->host_nodes = host_nodes < 1 ? 1 : host_nodes > POOL_MAX_NODES ? POOL_MAX_NODES : host_nodes;
	for (int g = 0; g < p->nr_nodes; g++)
		t->nr_frames += p->node[g].nr_frames;
	t->last_node = malloc((t->nr_frames ? t->nr_frames : 1) * sizeof(*t->last_node));
	t->last_huge = malloc((t->nr_frames ? t->nr_frames : 1) * sizeof(*t->last_huge));
	if (!t->last_node || !t->last_huge) {
		free(t->last_node);
		free(t->last_huge);
		return -1;
	}
	for (uint32_t i = 0; i < t->nr_frames; i++) {
		t->last_node[i] = -1;
		t->last_huge[i] = FRAME_HUGE_UNKNOWN;
	}
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void timeline_destroy(struct timeline *t)
{
	if (!t->last_node)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i].in_use);
	free(t->s);
	free(t->last_node);
	free(t->last_huge);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

static struct tl_sample *new_sample(struct timeline *t, double t_s)
{
	struct tl_sample *s;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tl_sample *n = realloc(t->s, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->s = n;
		t->cap = cap;
	}
	s = &t->s[t->n];
	memset(s, 0, sizeof(*s));
	s->in_use = calloc((size_t)t->pool->nr_nodes * (size_t)t->host_nodes, sizeof(*s->in_use));
	if (!s->in_use)
		return NULL;
	s->t_s = t_s;
	t->n++;
	return s;
}

int timeline_look(struct timeline *t, double t_s)
{
	const struct pool *p = t->pool;
	int host[POOL_LOCATE_MAX];
	int8_t huge_of[POOL_LOCATE_MAX];
	uint8_t in_use[POOL_LOCATE_MAX];
	struct tl_sample *s;
	uint32_t k = 0;

	if (!t->last_node)
		return -1;
	pthread_mutex_lock(&t->lock);
	s = new_sample(t, t_s);
	for (int g = 0; g < p->nr_nodes; g++) {
		struct node_pool *np = (struct node_pool *)&p->node[g];

		for (uint32_t base = 0; base < np->nr_frames; base += POOL_LOCATE_MAX) {
			uint32_t n = np->nr_frames - base < POOL_LOCATE_MAX ? np->nr_frames - base : POOL_LOCATE_MAX;

			pthread_mutex_lock(&np->lock);
			for (uint32_t i = 0; i < n; i++)
				in_use[i] = np->frames[base + i].in_use;
			pthread_mutex_unlock(&np->lock);
			pool_locate_frames(p, g, base, n, host, huge_of);
			for (uint32_t i = 0; i < n; i++, k++) {
				int h = host[i] < 0 ? -1 : host[i];
				int8_t huge = huge_of[i];

				if (h >= 0 && t->last_node[k] >= 0 && h != t->last_node[k]) {
					t->moved++;
					t->moved_by_node[g]++;
					t->moved_split += t->last_huge[k] == FRAME_HUGE && huge == FRAME_NOT_HUGE;
				}
				if (h >= 0) {
					t->last_node[k] = (int16_t)h;
					t->last_huge[k] = huge;
				}
				if (!s || !in_use[i])
					continue;
				if (h < 0 || h >= t->host_nodes)
					s->absent++;
				else
					s->in_use[(size_t)g * (size_t)t->host_nodes + (size_t)h]++;
				s->split += h >= 0 && huge == FRAME_NOT_HUGE;
			}
		}
	}
	t->looks++;
	pthread_mutex_unlock(&t->lock);
	return s ? 0 : -1;
}
