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

struct sweep_pool {
    const sweep_spec *s;
    int n_workers;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t work;      /* a run was queued, or quit */
    pthread_cond_t done;      /* a row finished */
    size_t *queue;            /* runs waiting, FIFO */
    size_t q_head, q_len, q_cap;
    sweep_row *finished;      /* rows waiting to be taken, FIFO */
    size_t f_head, f_len, f_cap;
    size_t running;           /* runs a worker has taken */
    int quit;
    volatile sig_atomic_t *stop; /* nonzero: workers start no queued run (sweep_run_local's stop; NULL: none) */
};

static void *worker(void *arg)
{
    sweep_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->q_len == 0 && !p->quit)
            pthread_cond_wait(&p->work, &p->mu);
        /* A stop (SIGINT) during the last run: the queued runs are dropped here, before this worker would start the
         * next one -- the thread handing out runs only sees the stop when a row or its timeout wakes it. */
        if (p->stop != NULL && *p->stop)
            p->q_len = 0;
        if (p->q_len == 0 && p->quit)
            break;
        if (p->q_len == 0)
            continue;
        size_t i = p->queue[p->q_head];
        p->q_head = (p->q_head + 1) % p->q_cap;
        p->q_len--;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        sweep_row row;
        sweep_run_one(p->s, i, &row);
        pthread_mutex_lock(&p->mu);
        if (p->f_len == p->f_cap) {
            size_t cap = p->f_cap ? 2 * p->f_cap : 16;
            sweep_row *nf = xcalloc(cap, sizeof *nf);
            for (size_t k = 0; k < p->f_len; k++)
                nf[k] = p->finished[(p->f_head + k) % p->f_cap];
            free(p->finished);
            p->finished = nf;
            p->f_head = 0;
            p->f_cap = cap;
        }
        p->finished[(p->f_head + p->f_len) % p->f_cap] = row;
        p->f_len++;
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
    if (p->q_len == p->q_cap) {
        size_t cap = p->q_cap ? 2 * p->q_cap : 16;
        size_t *nq = xcalloc(cap, sizeof *nq);
        for (size_t k = 0; k < p->q_len; k++)
            nq[k] = p->queue[(p->q_head + k) % p->q_cap];
        free(p->queue);
        p->queue = nq;
        p->q_head = 0;
        p->q_cap = cap;
    }
    p->queue[(p->q_head + p->q_len) % p->q_cap] = i;
    p->q_len++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

size_t sweep_pool_in_flight(sweep_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->q_len + p->running + p->f_len;
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
        if (p->f_len > 0) {
            *row = p->finished[p->f_head];
            p->f_head = (p->f_head + 1) % p->f_cap;
            p->f_len--;
            got = 1;
            break;
        }
        if (p->q_len + p->running == 0) {
            got = -1;
            break;
        }
        if (timeout_s < 0)
            pthread_cond_wait(&p->done, &p->mu);
        else if (pthread_cond_timedwait(&p->done, &p->mu, &until) == ETIMEDOUT) {
            got = p->f_len > 0 ? got : 0;
            if (p->f_len == 0)
                break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

size_t sweep_pool_drop_queued(sweep_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->q_len;
    p->q_len = 0;
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
    for (size_t k = 0; k < p->f_len; k++)
        sweep_row_free(&p->finished[(p->f_head + k) % p->f_cap]);
    free(p->finished);
    free(p->queue);
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
