/*
 * handoff: work passed from the thread that reads to a second thread, in
 * order, through a fixed set of buffers: the reader fills a free buffer
 * and hands it over; the worker processes buffers in the order handed
 * and gives each back.  With two cores, reading and the work overlap.
 * Without threads (threaded 0) a handed buffer is processed at once.
 *
 * handoff_start() returns a handoff that handoff_stop() ends and frees;
 * the buffers stay the caller's.
 */
#ifndef REVOPS_HANDOFF_H
#define REVOPS_HANDOFF_H

#include <stddef.h>

struct handoff;

/* bufs: n buffers the caller owns; work(ctx, buf) processes one. */
struct handoff *handoff_start(void **bufs, size_t n,
    void (*work)(void *ctx, void *buf), void *ctx, int threaded);

/* A free buffer to fill, waiting for the worker if none is. */
void *handoff_take(struct handoff *h);

/* Hands a filled buffer to the worker. */
void handoff_give(struct handoff *h, void *buf);

/* Waits until every buffer handed over is processed, ends the worker and
 * frees the handoff. */
void handoff_stop(struct handoff *h);

#endif
