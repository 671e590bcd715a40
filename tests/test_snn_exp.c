/* tests/test_snn_exp.c -- the digits experiment (exp/snn.h, `cimsim snn CONFIG`) and `cimsim snn --network DIR
 * CONFIG` (weights on crossbar tiles).
 *
 *  - accuracy: the float network within 1 point of the reference 92.0% of data/README.md (scikit-learn's logistic
 *    regression on this split), the ideal SNN within 1 point of the float network, the SNN on devices well above
 *    chance (a sanity bound: its value is reported, not asserted);
 *  - counts against the test's own arithmetic: the regular rate code's input spikes are, per image and channel,
 *    floor(0.5 + T x) (plus T for the bias channel), so their total over the test images is computed here from the
 *    data; every input spike reaches the 10 output neurons, so the synaptic operations are 10 x that;
 *  - the report: the MACs are the converted-from network's (65 x 10 per image, the bias a row), the design's total is
 *    the sum of its categories, the neuromorphic baseline's synaptic operations are the run's;
 *  - reproducibility (the same seed twice gives the same predictions and summary) and the weights_dir path (a
 *    network saved by ann_save and loaded gives the trained run's predictions);
 *  - `--network` with a CONFIG of ideal cells, exact converters and a 30-bit mapping reproduces the Brian2
 *    conformance case b_medium spike for spike; a CONFIG that sets the neurons is refused.
 * No test here sets .timeout: Criterion 2.4 leaks its timer (48 bytes, LeakSanitizer under make check) when several
 * tests with timeouts run in parallel jobs.
 */
#include "core/status.h"
#include "core/strbuf.h"
#include "exp/experiment.h"
#include "exp/snn.h"
#include "snn/digits.h"
#include "snn/train.h"
#include "util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define DIGITS_CFG CIM_SRC "/configs/snn/digits.cfg"

static int run_digits(const char *const *sets, size_t n_sets, exp_run *r)
{
    experiment_loading l = {DIGITS_CFG, sets, n_sets, NULL, NULL, NULL, "snn", NULL, NULL, NULL, NULL};
    exp_inputs in = {.base_dir = CIM_SRC "/configs/snn/"};
    return experiment_run(&l, &in, r, NULL);
}

Test(snn_exp, digits_accuracies_counts_and_report)
{
    exp_run r;
    cr_assert_eq(run_digits(NULL, 0, &r), CIM_OK, "%s", cim_errmsg());
    const exp_snn *e = r.state;
    size_t n = e->ideal.n;
    cr_assert_eq(n, 450);
    double acc_float = (double)e->n_float_correct / (double)n;
    cr_expect(fabs(acc_float - 0.920) <= 0.01, "float network %.4f, reference 0.920", acc_float);
    cr_expect(fabs(e->ideal.accuracy - acc_float) <= 0.01, "ideal SNN %.4f, float %.4f", e->ideal.accuracy,
              acc_float);
    cr_expect_gt(e->device.accuracy, 0.5, "SNN on devices %.4f (chance is 0.1)", e->device.accuracy);

    /* The regular code's input spikes, from the data: floor(phase + T x) per channel, T for the bias channel. */
    dataset tr, te;
    cr_assert_eq(digits_load(CIM_SRC "/data/digits.csv.gz", &tr, &te), CIM_OK, "%s", cim_errmsg());
    const double T = (double)e->p.t_steps, phase = e->enc.phase;
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < te.d; j++)
            want += (uint64_t)floor(phase + T * te.x[i * te.d + j]);
        want += (uint64_t)T;
    }
    cr_expect_eq(e->ideal.in_spikes, want, "ideal pass: %llu input spikes, %llu by the code's closed form",
                 (unsigned long long)e->ideal.in_spikes, (unsigned long long)want);
    cr_expect_eq(e->device.in_spikes, want);
    cr_expect_eq(e->ideal.sop, 10 * want, "one synaptic operation per input spike and output neuron");
    cr_expect_eq(e->device.sop, 10 * want);
    cr_expect_eq(e->ideal.updates_active + e->ideal.updates_idle, (uint64_t)(n * 10) * (uint64_t)T);

    const energy_report *rep = &e->report;
    cr_expect_eq(rep->n_mac, (uint64_t)n * 65 * 10, "MACs of the 64-10 softmax with its bias row, per image");
    double sum = 0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        sum += energy_tally_J(&rep->design.tally, k);
    cr_expect(fabs(sum - rep->design.total_J) <= 1e-12 * rep->design.total_J, "%g vs %g", sum, rep->design.total_J);
    cr_expect_eq(energy_tally_J(&rep->design.tally, ENERGY_WRITE), 0.0, "programming is kept apart");
    cr_expect_gt(e->program_J, 0.0, "device cells were programmed");
    cr_expect_eq(energy_tally_n(&rep->neuromorphic.tally, ENERGY_DIGITAL), e->device.sop,
                 "the neuromorphic chip is priced for this run's synaptic operations");
    cr_expect_eq(energy_tally_n(&rep->design.tally, ENERGY_NEURON), (uint64_t)(n * 10) * (uint64_t)T);
    cr_expect_gt(rep->latency_s, 0.0);
    /* Programming: every cell of the layer's tile -- 65 rows x 10 outputs x 2 slices of 2 bits (4-bit weights) x 2
     * signs -- and the run says how it went. */
    json_t *bank = json_array_get(e->banks, 0);
    cr_assert_not_null(bank);
    cr_expect_eq(json_integer_value(json_object_get(bank, "cells_programmed")), 65 * 10 * 2 * 2);
    cr_expect_eq(json_integer_value(json_object_get(bank, "targets_out_of_range")), 0);
    cr_expect_gt(json_integer_value(json_object_get(bank, "program_pulses")), 0);

    /* The same seed again: the same predictions and summary. */
    exp_run r2;
    cr_assert_eq(run_digits(NULL, 0, &r2), CIM_OK, "%s", cim_errmsg());
    const exp_snn *e2 = r2.state;
    cr_expect_eq(memcmp(e->device.pred, e2->device.pred, n * sizeof *e->device.pred), 0);
    char *a = json_dumps(r.summary, JSON_SORT_KEYS), *b = json_dumps(r2.summary, JSON_SORT_KEYS);
    cr_expect_str_eq(a, b);
    free(a), free(b);
    exp_run_free(&r2);

    /* The trained network saved and loaded back gives the same ideal predictions (no device run: faster). */
    char *dir = util_tmpdir(), net_dir[600], set_dir[700];
    snprintf(net_dir, sizeof net_dir, "%s/net", dir);
    cr_assert_eq(ann_save(&e->net, net_dir), CIM_OK, "%s", cim_errmsg());
    snprintf(set_dir, sizeof set_dir, "snn.weights_dir=\"%s\"", net_dir);
    const char *sets[] = {set_dir, "snn.device_run=false"};
    exp_run r3;
    cr_assert_eq(run_digits(sets, 2, &r3), CIM_OK, "%s", cim_errmsg());
    const exp_snn *e3 = r3.state;
    cr_expect(e3->loaded);
    cr_expect_eq(e3->n_float_correct, e->n_float_correct);
    cr_expect_eq(memcmp(e->ideal.pred, e3->ideal.pred, n * sizeof *e->ideal.pred), 0);
    exp_run_free(&r3);
    exp_run_free(&r);
    dataset_free(&tr), dataset_free(&te);
    free(dir);
}

Test(snn_exp, the_cli_prints_the_accuracies_and_writes_one_line_per_image)
{
    char *dir = util_tmpdir(), *out, *err, args[800];
    snprintf(args, sizeof args, "snn %s --set snn.n_test=40 -o p.csv --plot e.png --raster r.csv", DIGITS_CFG);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    /* With -o the summary goes to stdout. */
    cr_expect(strstr(out, "float network") && strstr(out, "SNN, ideal synapses") && strstr(out, "SNN on vteam tiles"),
              "%s", out);
    cr_expect(strstr(out, "saved on data movement against von Neumann") != NULL, "%s", out);
    char path[700];
    snprintf(path, sizeof path, "%s/p.csv", dir);
    char *csv = util_slurp(path, NULL);
    cr_assert_not_null(csv);
    const char *head = strstr(csv, "image,label,float,snn_ideal,snn_device\n");
    cr_assert_not_null(head);
    size_t lines = 0;
    for (const char *p = head; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 41, "the header and one line per image of snn.n_test = 40");
    snprintf(path, sizeof path, "%s/e.png", dir);
    char *png = util_slurp(path, NULL);
    cr_expect(png != NULL, "the energy plot was written");
    free(png);
    /* The raster of image 0: its input channels spike floor(0.5 + T x) times (T for the bias channel 64), and
     * the output neuron with the most spikes is the prediction of p.csv's first line (ties aside). */
    dataset tr, te;
    cr_assert_eq(digits_load(CIM_SRC "/data/digits.csv.gz", &tr, &te), CIM_OK, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/r.csv", dir);
    char *raster = util_slurp(path, NULL);
    cr_assert_not_null(raster);
    long in_count[65] = {0}, out_count[10] = {0};
    for (char *line = strtok(raster, "\n"); line; line = strtok(NULL, "\n")) {
        long img, t, l, k;
        if (line[0] == '#' || sscanf(line, "%ld,%ld,%ld,%ld", &img, &t, &l, &k) != 4)
            continue;
        cr_assert_eq(img, 0, "snn.record_images defaults to 1");
        if (l == 0 && k >= 0 && k < 65)
            in_count[k]++;
        else if (l == 1 && k >= 0 && k < 10)
            out_count[k]++;
    }
    for (size_t j = 0; j < 64; j++)
        cr_expect_eq(in_count[j], (long)floor(0.5 + 30 * te.x[j]), "channel %zu", j);
    cr_expect_eq(in_count[64], 30);
    long best = 0;
    for (int k = 1; k < 10; k++)
        best = out_count[k] > out_count[best] ? k : best;
    int label, f, ideal, dev;
    cr_assert_eq(sscanf(head + strlen("image,label,float,snn_ideal,snn_device\n"), "0,%d,%d,%d,%d", &label, &f,
                        &ideal, &dev), 4);
    int tie = 0;
    for (int k = 0; k < 10; k++)
        tie += k != best && out_count[k] == out_count[best];
    if (!tie)
        cr_expect_eq(dev, best, "image 0: predicted %d, most output spikes %ld", dev, best);
    free(raster);
    dataset_free(&tr), dataset_free(&te);
    free(csv), free(out), free(err), free(dir);
}

/* b_medium with the synapses on tiles of ideal cells, exact converters, a 30-bit mapping: every spike as Brian2's. */
Test(snn_exp, network_on_ideal_tiles_reproduces_the_conformance_spikes)
{
    char *dir = util_tmpdir(), path[600], *out, *err, args[800];
    snprintf(path, sizeof path, "%s/tiles.cfg", dir);
    util_write(path, "experiment = \"snn\";\n"
                     "synapse = { cells = \"ideal\"; membrane = \"digital\"; };\n"
                     "mapping = { scheme = \"differential\"; weight_bits = 30; bits_per_cell = 15; g_min_S = 0.0; "
                     "g_max_S = 100e-6; };\n"
                     "dac = { type = \"bit_serial\"; bits = 1; v_read_V = 0.2; };\n");
    snprintf(args, sizeof args, "snn --network %s/tests/conformance/snn/b_medium tiles.cfg -o s.csv", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "synapses on crossbar tiles") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/s.csv", dir);
    char *got = util_slurp(path, NULL), *ref = util_slurp(CIM_SRC "/tests/conformance/snn/b_medium/spikes_ref.csv",
                                                          NULL);
    cr_assert(got && ref);
    /* got: "#" lines, "step,layer,neuron", then "t,1,i"; ref: "step,neuron", then "t,i". */
    strbuf g;
    strbuf_init(&g);
    strbuf_puts(&g, "step,neuron\n");
    size_t n = 0;
    for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n")) {
        long t, l, i;
        if (line[0] == '#' || sscanf(line, "%ld,%ld,%ld", &t, &l, &i) != 3)
            continue;
        cr_expect_eq(l, 1);
        strbuf_printf(&g, "%ld,%ld\n", t, i);
        n++;
    }
    cr_expect_eq(n, 188, "b_medium has 188 output spikes");
    cr_expect_str_eq(g.s, ref);
    strbuf_destroy(&g);
    free(got), free(ref), free(out), free(err);

    /* A CONFIG that sets the neurons contradicts the directory: refused, exit 2, nothing written. */
    snprintf(path, sizeof path, "%s/neurons.cfg", dir);
    util_write(path, "experiment = \"snn\";\nneuron = { v_th_V = 0.03; };\n");
    snprintf(args, sizeof args, "snn --network %s/tests/conformance/snn/b_medium neurons.cfg -o t.csv", CIM_SRC);
    cr_expect_eq(util_run_cli(dir, args, &out, &err), 2);
    cr_expect(strstr(err, "neurons.cfg sets the group neuron") != NULL, "%s", err);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    char *left = util_slurp(path, NULL);
    cr_expect_null(left, "a refused run leaves no output");
    free(left);
    free(out), free(err), free(dir);
}

/* STDP through the CLI: the chain network on learning VTEAM tiles applies pulses and moves the weights its devices
 * hold; the same tiles without learning move nothing; the digits experiment refuses to learn. */
Test(snn_exp, network_tiles_learn_by_stdp_only_when_asked)
{
    char *dir = util_tmpdir(), *out, *err, args[800];
    snprintf(args, sizeof args, "snn --network %s/configs/snn/chain %s/configs/snn/network_stdp.cfg -o s.csv", CIM_SRC,
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    size_t plus = 0, minus = 0;
    double moved = 0;
    const char *p = strstr(out, "learning, layer 1");
    cr_assert_not_null(p, "%s", out);
    cr_assert_eq(sscanf(p, "learning, layer 1 %zu potentiating and %zu depressing pulses; the weights the devices hold "
                           "moved by %lf",
                        &plus, &minus, &moved),
                 3, "%s", p);
    cr_expect_gt(plus + minus, 0);
    cr_expect_gt(moved, 0.0);
    free(out), free(err);
    snprintf(args, sizeof args, "snn --network %s/configs/snn/chain %s/configs/snn/network_rram.cfg -o s.csv", CIM_SRC,
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect_null(strstr(out, "learning"), "%s", out);
    free(out), free(err);
    snprintf(args, sizeof args, "snn %s --set synapse.learn=true -o p.csv", DIGITS_CFG);
    cr_expect_eq(util_run_cli(dir, args, &out, &err), 2);
    cr_expect(strstr(err, "synapse.learn") != NULL, "%s", err);
    free(out), free(err), free(dir);
}
