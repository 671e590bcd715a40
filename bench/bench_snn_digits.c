/* bench/bench_snn_digits.c -- the digits experiment end to end through the library, as a sweep runs it
 * (experiment_run with --set style overrides): configs/snn/digits.cfg as is -- training, conversion, the
 * ideal-synapse pass, then the 450 test images on programmed VTEAM tiles with 1-ohm wires and the energy report --
 * beside the same run without read noise (variability.read.bandwidth_Hz = 0: the tiles' reads then go through the
 * effective matrix of the wired array, characterised once, instead of a circuit solve per read), the same run on
 * ideal tiles (synapse.cells = "ideal", perfect wires: the weights held exactly on the tiles, the same converters and
 * membrane) and the run without tiles (snn.device_run = false: the float network and the ideal-synapse pass only).
 *
 * Printed per configuration: the whole run's time (best of three rounds; the configurations take turns, so a burst
 * of load on the machine spoils one round, not a ratio), the device pass's own time as the library clocks it
 * (exp_snn.wall_s: making and programming the tiles, the test images, the energy), the accuracies (the runs did
 * what they say), and the whole run's time over the RRAM run's.  Then the RRAM device pass split into programming
 * (the same run with snn.n_test = 1: the tiles and one image) and reads (the rest, per image), beside the
 * ideal-synapse pass alone: the library does not clock it (it is a few ms inside a run of a quarter second), so it is
 * timed here (bench_time) as exp/snn.c runs it -- the converted weights of a run without tiles in an ideal bank, the
 * same encoder and readout over the 450 test images -- and its predictions are checked against that run's.
 * The goal: the RRAM run under 30 s on 2 cores (cim_set_threads(0)). */
#include "bench/bench.h"
#include "core/progress.h"
#include "core/status.h"
#include "core/threads.h"
#include "exp/experiment.h"
#include "exp/snn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 3

typedef struct config {
    const char *name;
    const char *sets[4]; /* NULL-terminated */
    double best_s;       /* whole run, best of the rounds */
    double device_s;     /* its device pass (exp_snn.wall_s) in that round */
    double acc_float, acc_ideal, acc_device;
} config;

static char path[600], dir[600];

/* One experiment_run of digits.cfg with the overrides sets; *wall_s its time, c (may be NULL) its results. */
static double run(const char *const *sets, config *c)
{
    size_t n = 0;
    while (sets[n] != NULL)
        n++;
    experiment_loading l = {path, sets, n, NULL, NULL, NULL, "snn", NULL, NULL, NULL, NULL};
    exp_inputs in = {.base_dir = dir};
    exp_run r;
    exp_metrics ms;
    exp_metrics_init(&ms);
    double t0 = progress_now_s();
    int st = experiment_run(&l, &in, &r, &ms);
    double t = progress_now_s() - t0;
    if (st != CIM_OK) {
        fprintf(stderr, "bench_snn_digits: %s\n", cim_errmsg());
        exit(1);
    }
    if (c != NULL && t < c->best_s) {
        c->best_s = t;
        c->device_s = ((const exp_snn *)r.state)->wall_s;
        c->acc_float = exp_metrics_value(&ms, "accuracy.float");
        c->acc_ideal = exp_metrics_value(&ms, "accuracy.snn_ideal");
        c->acc_device = exp_metrics_value(&ms, "accuracy.snn_device");
    }
    exp_metrics_free(&ms);
    exp_run_free(&r);
    return t;
}

/* The ideal-synapse pass of exp/snn.c on the converted network of e: every test image through the encoder and an
 * ideal bank for snn.t_steps steps, read out by the most spikes (convert_readout). */
typedef struct pass {
    const exp_snn *e;
    snn_net *net;
    encoder *enc;
    uint32_t *spk;
    uint64_t count[16];
    int *pred;
} pass;

static void run_pass(void *ctx)
{
    pass *q = ctx;
    const exp_snn *e = q->e;
    size_t L = e->conv_net.n_layers, n_out = e->conv_net.size[L];
    for (size_t i = 0; i < e->test_set.n; i++) {
        if (encoder_set_input(q->enc, e->test_set.x + i * e->test_set.d, (uint64_t)i) != CIM_OK)
            abort();
        snn_net_reset(q->net);
        memset(q->count, 0, sizeof q->count);
        for (uint64_t t = 0; t < (uint64_t)e->p.t_steps; t++) {
            size_t k = encoder_step(q->enc, t, q->spk);
            if (snn_net_step(q->net, q->spk, k, encoder_analog(q->enc)) != CIM_OK)
                abort();
            const uint32_t *idx;
            size_t m = snn_net_spikes(q->net, L, &idx);
            for (size_t j = 0; j < m; j++)
                q->count[idx[j]]++;
        }
        q->pred[i] = (int)convert_readout(q->count, snn_net_v(q->net, L), n_out);
    }
}

/* Times the ideal-synapse pass on the network of a run without tiles; *same: its predictions are that run's. */
static double time_ideal_pass(int *same)
{
    const char *sets[] = {"snn.device_run=false", NULL};
    experiment_loading l = {path, sets, 1, NULL, NULL, NULL, "snn", NULL, NULL, NULL, NULL};
    exp_inputs in = {.base_dir = dir};
    exp_run r;
    if (experiment_run(&l, &in, &r, NULL) != CIM_OK) {
        fprintf(stderr, "bench_snn_digits: %s\n", cim_errmsg());
        exit(1);
    }
    const exp_snn *e = r.state;
    const snn_conv *cv = &e->conv_net;
    if (cv->n_layers != 1 || cv->size[1] > 16) {
        fprintf(stderr, "bench_snn_digits: expected the softmax network of digits.cfg\n");
        exit(1);
    }
    pass q = {.e = e};
    snn_layer_spec ls = {cv->size[1], e->neuron, {0}};
    snn_net_spec ns = {cv->size[0], 1, &ls, e->p.dt_s, 0};
    encoder_spec es = {.p = e->enc, .n_channels = cv->n_data, .bias = cv->bias, .T_steps = (uint64_t)e->p.t_steps,
                       .dt_s = e->p.dt_s, .seed = (uint64_t)e->run.seed, .stream = "encode"};
    if (snn_synapse_ideal_new(&ls.syn, cv->size[0], cv->size[1], cv->w[0]) != CIM_OK ||
        snn_net_new(&q.net, &ns) != CIM_OK || encoder_new(&q.enc, &es) != CIM_OK) {
        fprintf(stderr, "bench_snn_digits: %s\n", cim_errmsg());
        exit(1);
    }
    q.spk = malloc(encoder_channels(q.enc) * sizeof *q.spk);
    q.pred = malloc(e->test_set.n * sizeof *q.pred);
    double t = bench_time(run_pass, &q);
    *same = e->ideal.n == e->test_set.n && memcmp(q.pred, e->ideal.pred, e->test_set.n * sizeof *q.pred) == 0;
    free(q.spk);
    free(q.pred);
    encoder_free(q.enc);
    snn_net_free(q.net);
    exp_run_free(&r);
    return t;
}

int main(void)
{
    snprintf(path, sizeof path, "%s/configs/snn/digits.cfg", CIM_SRC);
    snprintf(dir, sizeof dir, "%s/configs/snn/", CIM_SRC);
    cim_set_threads(0); /* every core */
    config cf[] = {
        {"RRAM tiles, 1-ohm wires (digits.cfg as is)", {NULL}, 1e300, 0, 0, 0, 0},
        {"RRAM tiles, 1-ohm wires, no read noise", {"variability.read.bandwidth_Hz=0", NULL}, 1e300, 0, 0, 0, 0},
        {"ideal tiles, perfect wires", {"synapse.cells=\"ideal\"", "crossbar.r_row_ohm=0", "crossbar.r_col_ohm=0", NULL},
         1e300, 0, 0, 0, 0},
        {"no tiles (ideal synapses only)", {"snn.device_run=false", NULL}, 1e300, 0, 0, 0, 0},
        {"RRAM tiles, 1 test image", {"snn.n_test=1", NULL}, 1e300, 0, 0, 0, 0},
    };
    enum { RRAM = 0, NO_TILES = 3, ONE_IMAGE = 4 };
    const size_t n_cf = sizeof cf / sizeof *cf;
    for (int round = 0; round < ROUNDS; round++)
        for (size_t k = 0; k < n_cf; k++)
            run(cf[k].sets, &cf[k]);

    printf("bench_snn_digits: cimsim snn configs/snn/digits.cfg through experiment_run (train, convert, classify the\n"
           "450 test digits with ideal synapses and on crossbar tiles), %d threads, best of %d rounds\n\n",
           cim_threads(), ROUNDS);
    printf("%-46s %10s %12s %8s %8s %8s %10s\n", "configuration", "run (s)", "device (s)", "float", "ideal",
           "device", "run / RRAM");
    for (size_t k = 0; k < ONE_IMAGE; k++) {
        char dev[16] = "-", acc[16] = "-";
        if (k != NO_TILES) {
            snprintf(dev, sizeof dev, "%.3g", cf[k].device_s);
            snprintf(acc, sizeof acc, "%.2f%%", 100 * cf[k].acc_device);
        }
        printf("%-46s %10.3g %12s %7.2f%% %7.2f%% %8s %10.3f\n", cf[k].name, cf[k].best_s, dev, 100 * cf[k].acc_float,
               100 * cf[k].acc_ideal, acc, cf[k].best_s / cf[RRAM].best_s);
    }
    double t_prog = cf[ONE_IMAGE].device_s, t_img = (cf[RRAM].device_s - cf[ONE_IMAGE].device_s) / 449.0;
    printf("\nRRAM device pass: %.3g s = %.3g s making and programming the tiles (with one image: snn.n_test = 1) + "
           "%.3g ms per image on the tiles\n",
           cf[RRAM].device_s, t_prog, 1e3 * t_img);

    int same;
    double t_ideal = time_ideal_pass(&same);
    printf("ideal-synapse pass over the 450 images: %.3g s (%.3g us per image)%s\n", t_ideal, 1e6 * t_ideal / 450.0,
           same ? "" : "  (its predictions differ from the library's pass!)");
    printf("per image on RRAM tiles / per image with ideal synapses: %.3g\n", t_img / (t_ideal / 450.0));
    printf("goal: the RRAM run under 30 s on 2 cores -- %s (%.3g s)\n", cf[RRAM].best_s < 30 ? "met" : "NOT met",
           cf[RRAM].best_s);
    return 0;
}
