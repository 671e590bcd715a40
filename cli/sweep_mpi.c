/* cli/sweep_mpi.c -- a sweep over Open MPI ranks: rank 0 hands out runs, every rank runs them on its workers.
 *
 * Dynamic scheduling: each rank announces its workers; rank 0 keeps that many runs at the rank, and one more per
 * worker while runs are short (under 20 ms on average), so a worker that finishes a short run finds the next one
 * queued instead of waiting for a message.  Long runs are not queued ahead: at the end of a sweep a run queued behind
 * a busy worker would keep a free one elsewhere idle for a whole run.  Rows travel as text (sweep_row_encode,
 * lossless), and only rank 0 writes the file, in the order rows arrive; sweep_file_finish then puts them in run
 * order, so the file is the same for any number of ranks.  Only each process's main thread calls MPI
 * (MPI_THREAD_FUNNELED); the workers are sweep/pool.h threads.  A run that fails is a row like any other.  When no
 * run is left (or rank 0 was told to stop) rank 0 sends STOP; a rank that holds runs finishes them, sends their
 * rows and returns.
 *
 * The library stays free of MPI: this file is the program's, and the MPI job is recognised from Open MPI's
 * environment (OMPI_COMM_WORLD_SIZE), so `cimsim sweep` without mpirun never initialises MPI.
 */
#include "cli/sweep.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_READY = 1, TAG_RUN = 2, TAG_ROW = 3, TAG_STOP = 4 };

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v != NULL && atoi(v) > 0 ? atoi(v) : dflt;
}
int cli_mpi_size(void) { return env_int("OMPI_COMM_WORLD_SIZE", 1); }
int cli_mpi_rank(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_RANK");
    return v != NULL ? atoi(v) : 0;
}
int cli_mpi_local_size(void) { return env_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1); }

/* How long a rank waits between looks for a message: 1/200 of a run on average (a run handed out late costs at most
 * 0.5 % of one), between 200 us and 20 ms.  Each look is a system call or two; at a fixed 200 us they took ~10 % of a
 * core from the workers of 0.5 s runs. */
static double poll_s(double rt_sum, size_t rt_n)
{
    double t = rt_n > 0 ? rt_sum / (double)rt_n / 200 : 0;
    return t < 200e-6 ? 200e-6 : t > 20e-3 ? 20e-3 : t;
}

static void nap(double s)
{
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}

/* ---- rank 0 ------------------------------------------------------------------------------------------------------ */

static int append_row(sweep_file *f, sweep_row *row, const sweep_options *o, double *rt_sum, size_t *rt_n)
{
    *rt_sum += row->runtime_s;
    (*rt_n)++;
    size_t run = row->run;
    int st = sweep_file_append(f, row);
    if (o->progress != NULL && run < f->s->n_runs && f->rows[run] != NULL)
        o->progress(o->ctx, f->rows[run], f->n_done, f->n_failed, f->s->n_runs);
    return st;
}

static int coordinate(const sweep_spec *s, sweep_file *f, const sweep_options *o, int size, size_t *by_rank)
{
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    sweep_pool *p = sweep_pool_start(s, jobs);
    int *workers = xcalloc((size_t)size, sizeof *workers); /* announced by each rank; 0 until it has */
    double rt_sum = 0;
    size_t rt_n = 0;
    size_t *outstanding = xcalloc((size_t)size, sizeof *outstanding);
    int *stopped = xcalloc((size_t)size, sizeof *stopped);
    size_t next = 0, remote = 0;
    int st = CIM_OK;
    for (;;) {
        int halt = (o->stop != NULL && *o->stop) || st != CIM_OK;
        /* the next run the file does not have */
        while (next < s->n_runs && f->rows[next] != NULL)
            next++;
        int activity = 0;
        /* local workers first (queued ahead while runs are short, as for the other ranks) */
        int ahead_local = rt_n == 0 || rt_sum / (double)rt_n < 0.02;
        while (!halt && next < s->n_runs && sweep_pool_in_flight(p) < (size_t)jobs * (ahead_local ? 2 : 1)) {
            sweep_pool_submit(p, next++);
            while (next < s->n_runs && f->rows[next] != NULL)
                next++;
        }
        /* messages from the other ranks */
        int flag = 1;
        while (flag) {
            MPI_Status ms;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
            if (!flag)
                break;
            activity = 1;
            int src = ms.MPI_SOURCE, len;
            MPI_Get_count(&ms, MPI_CHAR, &len);
            char *buf = xcalloc((size_t)len + 1, 1);
            MPI_Recv(buf, len, MPI_CHAR, src, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (ms.MPI_TAG == TAG_READY)
                workers[src] = atoi(buf) > 0 ? atoi(buf) : 1;
            else if (ms.MPI_TAG == TAG_ROW) {
                sweep_row row;
                int st_d = sweep_row_decode(buf, &row);
                by_rank[src]++;
                if (st_d == CIM_OK) {
                    int st_w = append_row(f, &row, o, &rt_sum, &rt_n);
                    if (st == CIM_OK)
                        st = st_w;
                    sweep_row_free(&row);
                } else if (st == CIM_OK)
                    st = st_d;
                outstanding[src]--;
                remote--;
            }
            free(buf);
        }
        halt = (o->stop != NULL && *o->stop) || st != CIM_OK;
        /* hand out runs to ranks with room */
        int ahead = rt_n == 0 || rt_sum / (double)rt_n < 0.02;
        for (int r = 1; r < size && !halt; r++)
            while (outstanding[r] < (size_t)(workers[r] * (ahead ? 2 : 1)) && next < s->n_runs) {
                long long run = (long long)next++;
                MPI_Send(&run, 1, MPI_LONG_LONG, r, TAG_RUN, MPI_COMM_WORLD);
                outstanding[r]++;
                remote++;
                activity = 1;
                while (next < s->n_runs && f->rows[next] != NULL)
                    next++;
            }
        /* no run left to give (or told to stop): tell the ranks, once */
        if (halt || next >= s->n_runs)
            for (int r = 1; r < size; r++)
                if (!stopped[r]) {
                    MPI_Send(NULL, 0, MPI_CHAR, r, TAG_STOP, MPI_COMM_WORLD);
                    stopped[r] = 1;
                }
        /* rows of the local workers */
        sweep_row row;
        int got = sweep_pool_next(p, activity ? 0.0 : poll_s(rt_sum, rt_n), &row);
        if (got < 0 && !activity)
            nap(poll_s(rt_sum, rt_n)); /* only other ranks' rows to wait for */
        if (got == 1) {
            by_rank[0]++;
            int st_w = append_row(f, &row, o, &rt_sum, &rt_n);
            if (st == CIM_OK)
                st = st_w;
            sweep_row_free(&row);
            if ((o->stop != NULL && *o->stop) || st != CIM_OK)
                sweep_pool_drop_queued(p);
        }
        int all_stopped = 1;
        for (int r = 1; r < size; r++)
            all_stopped &= stopped[r];
        if (got < 0 && remote == 0 && all_stopped && (halt || next >= s->n_runs))
            break;
    }
    sweep_pool_stop(p);
    free(workers);
    free(outstanding);
    free(stopped);
    return st;
}

/* ---- the other ranks ------------------------------------------------------------------------------------------- */

static int serve(const sweep_spec *s, const sweep_options *o)
{
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    sweep_pool *p = sweep_pool_start(s, jobs);
    char cap[32];
    snprintf(cap, sizeof cap, "%d", jobs);
    MPI_Send(cap, (int)strlen(cap) + 1, MPI_CHAR, 0, TAG_READY, MPI_COMM_WORLD);
    int stop = 0;
    double rt_sum = 0;
    size_t rt_n = 0;
    for (;;) {
        size_t busy = sweep_pool_in_flight(p);
        if (stop && busy == 0)
            break;
        int flag = 0;
        MPI_Status ms;
        MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
        if (!flag && busy == 0) { /* nothing to do but wait for rank 0; MPI_Probe would spin a core */
            nap(poll_s(rt_sum, rt_n));
            continue;
        }
        while (flag) {
            if (ms.MPI_TAG == TAG_RUN) {
                long long run;
                MPI_Recv(&run, 1, MPI_LONG_LONG, 0, TAG_RUN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (run >= 0 && (size_t)run < s->n_runs)
                    sweep_pool_submit(p, (size_t)run);
            } else {
                MPI_Recv(NULL, 0, MPI_CHAR, 0, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (ms.MPI_TAG == TAG_STOP)
                    stop = 1;
            }
            MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
        }
        sweep_row row;
        if (sweep_pool_next(p, poll_s(rt_sum, rt_n), &row) == 1) {
            rt_sum += row.runtime_s;
            rt_n++;
            char *text = sweep_row_encode(&row);
            MPI_Send(text, (int)strlen(text) + 1, MPI_CHAR, 0, TAG_ROW, MPI_COMM_WORLD);
            free(text);
            sweep_row_free(&row);
        }
    }
    sweep_pool_stop(p);
    return CIM_OK;
}

int cli_sweep_mpi(const sweep_spec *s, const char *journal, const char *invocation, int restart,
                  const sweep_options *o, sweep_file *f, int *is_root, char *note, size_t n_note)
{
    int provided, rank, size;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    *is_root = rank == 0;
    int st = CIM_OK;
    if (rank == 0) {
        st = sweep_file_open(f, s, journal, invocation, restart);
        size_t *by_rank = xcalloc((size_t)size, sizeof *by_rank);
        if (st == CIM_OK)
            st = coordinate(s, f, o, size, by_rank);
        else /* nothing to run: release the others */
            for (int r = 1; r < size; r++)
                MPI_Send(NULL, 0, MPI_CHAR, r, TAG_STOP, MPI_COMM_WORLD);
        int w = snprintf(note, n_note, "%d ranks, runs per rank:", size);
        for (int r = 0; r < size && w > 0 && (size_t)w < n_note; r++)
            w += snprintf(note + w, n_note - (size_t)w, " %zu", by_rank[r]);
        free(by_rank);
        /* the READY messages of ranks that were stopped before they asked */
        MPI_Barrier(MPI_COMM_WORLD);
        int flag = 1;
        while (flag) {
            MPI_Status ms;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
            if (flag) {
                int len;
                MPI_Get_count(&ms, MPI_CHAR, &len);
                char *buf = xcalloc((size_t)len + 1, 1);
                MPI_Recv(buf, len, MPI_CHAR, ms.MPI_SOURCE, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                free(buf);
            }
        }
    } else {
        st = serve(s, o);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return st;
}
