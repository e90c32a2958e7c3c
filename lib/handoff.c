#include <pthread.h>
#include <stdlib.h>

#include "cli.h"
#include "handoff.h"

struct handoff {
	pthread_t thread;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*work)(void *, void *);
	void *ctx;
	void **free, **queue;	/* stacks of n; the queue a ring */
	size_t n, nfree, head, nqueue;
	int quit;
};

static void *
worker(void *arg)
{
	struct handoff *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		void *buf;

		while (h->nqueue == 0 && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->nqueue == 0)
			break;
		buf = h->queue[h->head];
		pthread_mutex_unlock(&h->mu);
		h->work(h->ctx, buf);
		pthread_mutex_lock(&h->mu);
		h->head = (h->head + 1) % h->n;
		h->nqueue--;
		h->free[h->nfree++] = buf;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct handoff *
handoff_start(void **bufs, size_t n, void (*work)(void *, void *), void *ctx,
    int threaded)
{
	struct handoff *h = cli_calloc(1, sizeof(*h));

	h->free = cli_calloc(n, sizeof(void *));
	h->queue = cli_calloc(n, sizeof(void *));
	h->n = h->nfree = n;
	for (size_t i = 0; i < n; i++)
		h->free[i] = bufs[i];
	h->work = work;
	h->ctx = ctx;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->threaded = threaded && pthread_create(&h->thread, NULL, worker,
	    h) == 0;
	return h;
}

void *
handoff_take(struct handoff *h)
{
	void *buf;

	pthread_mutex_lock(&h->mu);
	while (h->nfree == 0)
		pthread_cond_wait(&h->cv, &h->mu);
	buf = h->free[--h->nfree];
	pthread_mutex_unlock(&h->mu);
	return buf;
}

void
handoff_give(struct handoff *h, void *buf)
{
	if (!h->threaded) {
		h->work(h->ctx, buf);
		h->free[h->nfree++] = buf;
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->queue[(h->head + h->nqueue++) % h->n] = buf;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void
handoff_stop(struct handoff *h)
{
	if (h->threaded) {
		pthread_mutex_lock(&h->mu);
		h->quit = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h->free);
	free(h->queue);
	free(h);
}
