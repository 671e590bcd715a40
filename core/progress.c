/* core/progress.c -- see progress.h. */

#include "core/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SHOW_AFTER_S 1.0  /* work shorter than this never shows a bar */
#define REDRAW_EVERY_S 0.1

double progress_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_start(progress *p, const char *label, double total, progress_sink sink, void *ctx)
{
    if (p == NULL)
        return;
    p->sink = sink;
    p->ctx = ctx;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total > 0 ? total : 1;
    p->t0_s = progress_now_s();
    p->t_drawn_s = 0;
    p->base = 0;
}

void progress_set_base(progress *p, double base)
{
    if (p != NULL)
        p->base = base;
}

static void clock_text(char *out, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

static void draw(progress *p, double done, double now, int final)
{
    enum { WIDTH = 30 };
    double f = done / p->total;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    char bar[WIDTH + 1];
    int fill = (int)(f * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    double elapsed = now - p->t0_s;
    char tail[48], t[24];
    if (final) {
        clock_text(t, sizeof t, elapsed);
        snprintf(tail, sizeof tail, "done in %s\n", t);
    } else if (f > 0) {
        clock_text(t, sizeof t, elapsed * (1 - f) / f);
        snprintf(tail, sizeof tail, "ETA %s ", t);
    } else {
        snprintf(tail, sizeof tail, "ETA ?    ");
    }
    char line[160];
    snprintf(line, sizeof line, "\r%s [%s] %3d%% %s", p->label, bar, (int)(100 * f), tail);
    p->sink(p->ctx, line);
    p->t_drawn_s = now;
}

void progress_update(progress *p, double done)
{
    if (p == NULL || p->sink == NULL)
        return;
    double now = progress_now_s();
    if (now - p->t0_s < SHOW_AFTER_S || now - p->t_drawn_s < REDRAW_EVERY_S)
        return;
    draw(p, p->base + done, now, 0);
}

void progress_finish(progress *p)
{
    if (p == NULL || p->sink == NULL || p->t_drawn_s == 0)
        return;
    draw(p, p->total, progress_now_s(), 1);
}
