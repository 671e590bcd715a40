/* core/progress.h -- progress reporting with an ETA.
 *
 * Long library loops call progress_update(); the object decides when a redraw is due (not before
 * one second has passed, then at most ten times a second) and formats the bar, but it never
 * writes anywhere itself: it hands the line to a sink chosen by the caller.  The CLI passes a sink
 * that writes to stderr only when stderr is a terminal and --quiet is off; a NULL sink is silent.
 * A NULL progress pointer is accepted by every function, so library code need not test for it.
 */
#ifndef CIM_PROGRESS_H
#define CIM_PROGRESS_H

/* Receives a line to show in place: it starts with '\r' and has no newline, except the final one. */
typedef void (*progress_sink)(void *ctx, const char *line);

typedef struct progress {
    progress_sink sink; /* where lines go; NULL = silent */
    void *ctx;          /* passed to sink */
    char label[64];     /* what is being done ("mvm") */
    double total;       /* units of work in all */
    double t0_s;        /* monotonic start time */
    double t_drawn_s;   /* time of the last redraw, 0 if never drawn */
    double base;        /* added to every `done`, so a later phase can count on from an earlier one */
} progress;

void progress_start(progress *p, const char *label, double total, progress_sink sink, void *ctx);
void progress_update(progress *p, double done);
/* Makes later updates count from base (work already done by earlier phases). */
void progress_set_base(progress *p, double base);
/* Draws the final state with the elapsed time and a newline, if anything was drawn. */
void progress_finish(progress *p);

/* Seconds on a monotonic clock (for progress and benchmarks; never used in results). */
double progress_now_s(void);

#endif
