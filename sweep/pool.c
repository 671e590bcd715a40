/* sweep/pool.c -- worker threads for a sweep's runs, and the single-process sweep. */
#include "sweep/pool.h"

#include "core/status.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A FIFO of fixed-size items that grows by doubling. */
typedef struct ring {
    char *buf;
    size_t size, head, len, cap; /* item size in bytes; first item; items held; items room */
} ring;

static void ring_push(ring *r, const void *item)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        char *nb = xcalloc(cap, r->size);
        for (size_t k = 0; k < r->len; k++)
            memcpy(nb + k * r->size, r->buf + ((r->head + k) % r->cap) * r->size, r->size);
        free(r->buf);
        r->buf = nb;
        r->head = 0;
        r->cap = cap;
    }
    memcpy(r->buf + ((r->head + r->len) % r->cap) * r->size, item, r->size);
    r->len++;
}

static void ring_pop(ring *r, void *item)
{
    memcpy(item, r->buf + r->head * r->size, r->size);
    r->head = (r->head + 1) % r->cap;
    r->len--;
}

struct sweep_pool {
    const sweep_spec *s;
    int n_workers;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t work;      /* a run was queued, or quit */
    pthread_cond_t done;      /* a row finished */
    ring queue;               /* runs waiting (size_t) */
    ring finished;            /* rows waiting to be taken (sweep_row) */
    size_t running;           /* runs a worker has taken */
    int quit;
    volatile sig_atomic_t *stop; /* nonzero: workers start no queued run (sweep_run_local's stop; NULL: none) */
};

static void *worker(void *arg)
{
    sweep_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->queue.len == 0 && !p->quit)
            pthread_cond_wait(&p->work, &p->mu);
        /* A stop (SIGINT) during the last run: the queued runs are dropped here, before this worker would start the
         * next one -- the thread handing out runs only sees the stop when a row or its timeout wakes it. */
        if (p->stop != NULL && *p->stop)
            p->queue.len = 0;
        if (p->queue.len == 0 && p->quit)
            break;
        if (p->queue.len == 0)
            continue;
        size_t i;
        ring_pop(&p->queue, &i);
        p->running++;
        pthread_mutex_unlock(&p->mu);
        sweep_row row;
        sweep_run_one(p->s, i, &row);
        pthread_mutex_lock(&p->mu);
        ring_push(&p->finished, &row);
        p->running--;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

sweep_pool *sweep_pool_start(const sweep_spec *s, int n_workers)
{
    sweep_pool *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->n_workers = n_workers < 1 ? 1 : n_workers;
    p->queue.size = sizeof(size_t);
    p->finished.size = sizeof(sweep_row);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done, &ca);
    pthread_condattr_destroy(&ca);
    p->threads = xcalloc((size_t)p->n_workers, sizeof *p->threads);
    for (int k = 0; k < p->n_workers; k++)
        if (pthread_create(&p->threads[k], NULL, worker, p) != 0)
            abort(); /* no thread: like out of memory (core/xalloc.h) */
    return p;
}

void sweep_pool_submit(sweep_pool *p, size_t i)
{
    pthread_mutex_lock(&p->mu);
    ring_push(&p->queue, &i);
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

size_t sweep_pool_in_flight(sweep_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->queue.len + p->running + p->finished.len;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int sweep_pool_next(sweep_pool *p, double timeout_s, sweep_row *row)
{
    pthread_mutex_lock(&p->mu);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_s >= 0) {
        double t = (double)until.tv_sec + until.tv_nsec * 1e-9 + timeout_s;
        until.tv_sec = (time_t)floor(t);
        until.tv_nsec = (long)((t - floor(t)) * 1e9);
    }
    int got = 0;
    for (;;) {
        if (p->finished.len > 0) {
            ring_pop(&p->finished, row);
            got = 1;
            break;
        }
        if (p->queue.len + p->running == 0) {
            got = -1;
            break;
        }
        if (timeout_s < 0)
            pthread_cond_wait(&p->done, &p->mu);
        else if (pthread_cond_timedwait(&p->done, &p->mu, &until) == ETIMEDOUT) {
            got = p->finished.len > 0 ? got : 0;
            if (p->finished.len == 0)
                break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

size_t sweep_pool_drop_queued(sweep_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->queue.len;
    p->queue.len = 0;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void sweep_pool_stop(sweep_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int k = 0; k < p->n_workers; k++)
        pthread_join(p->threads[k], NULL);
    while (p->finished.len > 0) {
        sweep_row row;
        ring_pop(&p->finished, &row);
        sweep_row_free(&row);
    }
    free(p->finished.buf);
    free(p->queue.buf);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
}

int sweep_run_local(sweep_file *f, const sweep_options *o)
{
    const sweep_spec *s = f->s;
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    sweep_pool *p = sweep_pool_start(s, jobs);
    pthread_mutex_lock(&p->mu);
    p->stop = o->stop;
    pthread_mutex_unlock(&p->mu);
    size_t next = 0;
    int st = CIM_OK;
    for (;;) {
        /* keep every worker busy, one run queued ahead of each so none waits for this thread */
        while ((o->stop == NULL || !*o->stop) && st == CIM_OK && sweep_pool_in_flight(p) < 2 * (size_t)jobs) {
            while (next < s->n_runs && f->rows[next] != NULL)
                next++;
            if (next >= s->n_runs)
                break;
            sweep_pool_submit(p, next++);
        }
        sweep_row row;
        int got = sweep_pool_next(p, 0.2, &row); /* wake now and then to see *stop */
        if (got < 0)
            break;
        if (got == 0)
            continue;
        size_t run = row.run;
        int st_w = sweep_file_append(f, &row);
        if (st == CIM_OK)
            st = st_w;
        if (o->progress != NULL)
            o->progress(o->ctx, f->rows[run], f->n_done, f->n_failed, s->n_runs);
        if ((o->stop != NULL && *o->stop) || st != CIM_OK)
            sweep_pool_drop_queued(p);
    }
    sweep_pool_stop(p);
    return st;
}
