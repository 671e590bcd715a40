/* tests/test_snn_learn.c -- the digits task and the offline path to a spiking network: the data set (snn/digits.h)
 * against the counts of data/README.md and the file's own bytes, and its strict refusals with file, line and column;
 * training (snn/train.h): the softmax objective's gradient against finite differences and hand values, the softmax
 * regression within 1 point of scikit-learn's 92.0% on the fixed split, the MLP's accuracy and its bits for a seed,
 * the network directory's exact round trip and refusals; the encoders (snn/encode.h) against their closed forms
 * (regular counts floor(phase + T x), Poisson counts within a binomial bound, order-free per-sample streams, TTFS spike
 * steps); conversion (snn/convert.h): the weights against the recipe c [W; b] computed here by hand, and the converted
 * network's accuracy by a plain LIF loop written here under the conformance convention (leak by one multiplication,
 * add the rows of the sources that spiked in ascending order, v >= v_th spikes, reset to 0). */
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "snn/convert.h"
#include "snn/digits.h"
#include "snn/encode.h"
#include "snn/train.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define DIGITS CIM_SRC "/data/digits.csv.gz"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void load(dataset *tr, dataset *te)
{
    cr_assert_eq(digits_load(DIGITS, tr, te), CIM_OK, "%s", cim_errmsg());
}

/* The decompressed file, by zlib here (not through digits_load). */
static char *file_text(size_t *len)
{
    gzFile f = gzopen(DIGITS, "rb");
    cr_assert_not_null(f);
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    int got;
    while ((got = gzread(f, s + n, (unsigned)(cap - n - 1))) > 0)
        n += (size_t)got;
    gzclose(f);
    s[n] = '\0';
    *len = n;
    return s;
}

/* ---- the data ------------------------------------------------------------------------------------------------- */

/* data/README.md's counts, typed from it (scikit-learn's description and the UCI page give the same totals). */
Test(digits, split_and_class_counts_are_those_of_the_readme)
{
    static const int train_counts[10] = {135, 136, 134, 136, 133, 137, 134, 134, 133, 135};
    static const int test_counts[10] = {43, 46, 43, 47, 48, 45, 47, 45, 41, 45};
    static const int all_counts[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    dataset tr, te;
    load(&tr, &te);
    cr_assert_eq(tr.n, 1347);
    cr_assert_eq(te.n, 450);
    cr_expect_eq(tr.d, 64);
    cr_expect_eq(te.n_classes, 10);
    int ct[10] = {0}, ce[10] = {0};
    for (size_t i = 0; i < tr.n; i++)
        ct[tr.y[i]]++;
    for (size_t i = 0; i < te.n; i++)
        ce[te.y[i]]++;
    for (int k = 0; k < 10; k++) {
        cr_expect_eq(ct[k], train_counts[k], "digit %d in the training set", k);
        cr_expect_eq(ce[k], test_counts[k], "digit %d in the test set", k);
        cr_expect_eq(ct[k] + ce[k], all_counts[k], "digit %d over the file", k);
    }
    /* Features: k/16 exactly, in [0, 1]; pixels 0, 32, 39 always 0; the mean pixel 4.88 (README, two decimals). */
    double sum = 0;
    const dataset *both[2] = {&tr, &te};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < both[s]->n; i++)
            for (size_t j = 0; j < 64; j++) {
                double x = both[s]->x[i * 64 + j];
                cr_assert(x >= 0 && x <= 1 && x * 16 == floor(x * 16), "x = %.17g", x);
                sum += 16 * x;
                if (j == 0 || j == 32 || j == 39)
                    cr_expect_eq(x, 0.0);
            }
    cr_expect(fabs(sum / (1797.0 * 64) - 4.88) < 0.005, "mean pixel %.4f", sum / (1797.0 * 64));
    dataset_free(&tr);
    dataset_free(&te);
}

/* The rows against the decompressed text parsed here with sscanf: the first training row, the first and last test
 * rows; and the fingerprint is that of the decompressed bytes. */
Test(digits, rows_are_the_file_lines_in_order)
{
    size_t len;
    char *text = file_text(&len);
    cr_assert_eq(len, 264712, "decompressed size in data/README.md");
    dataset tr, te;
    load(&tr, &te);
    cr_expect_eq(tr.fnv1a64, rng_fnv1a64(RNG_FNV_OFFSET, text, len));
    const size_t lines[3] = {1, 1348, 1797};
    for (int q = 0; q < 3; q++) {
        char *p = text;
        for (size_t l = 1; l < lines[q]; l++)
            p = strchr(p, '\n') + 1;
        const double *x = q == 0 ? tr.x : q == 1 ? te.x : te.x + 449 * 64;
        int y = q == 0 ? tr.y[0] : q == 1 ? te.y[0] : te.y[449];
        for (int j = 0; j < 65; j++) {
            int v, used;
            cr_assert_eq(sscanf(p, "%d%n", &v, &used), 1);
            p += used + 1;
            if (j < 64)
                cr_expect_eq(x[j], v / 16.0, "line %zu pixel %d", lines[q], j);
            else
                cr_expect_eq(y, v, "line %zu label", lines[q]);
        }
    }
    free(text);
    dataset_free(&tr);
    dataset_free(&te);
}

/* zlib passes a file that is not gzip through: the plain CSV gives the same sets. */
Test(digits, plain_csv_reads_the_same)
{
    size_t len;
    char *text = file_text(&len);
    char *dir = util_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/digits.csv", dir);
    util_write(path, text);
    dataset a, b, c, d;
    load(&a, &b);
    cr_assert_eq(digits_load(path, &c, &d), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(memcmp(a.x, c.x, a.n * 64 * sizeof(double)), 0);
    cr_expect_eq(memcmp(b.y, d.y, b.n * sizeof(int)), 0);
    dataset_free(&a), dataset_free(&b), dataset_free(&c), dataset_free(&d);
    free(text);
    remove(path);
    rmdir(dir);
    free(dir);
}

/* Writes text as a gzip file through zlib. */
static void write_gz(const char *path, const char *text, size_t n)
{
    gzFile f = gzopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(gzwrite(f, text, (unsigned)n), (int)n);
    gzclose(f);
}

/* The file with line `line` (1-based) replaced by `repl` (NULL: removed; "+" prefix: inserted before it). */
static char *edit_line(const char *text, size_t line, const char *repl)
{
    const char *p = text;
    for (size_t l = 1; l < line && *p; l++)
        p = strchr(p, '\n') + 1;
    const char *e = strchr(p, '\n');
    e = e ? e + 1 : p + strlen(p);
    size_t head = (size_t)(p - text);
    char *out = malloc(strlen(text) + (repl ? strlen(repl) : 0) + 4);
    memcpy(out, text, head);
    out[head] = '\0';
    if (repl != NULL && repl[0] == '+') {
        strcat(out, repl + 1);
        strcat(out, p);
    } else {
        if (repl != NULL) {
            strcat(out, repl);
            strcat(out, "\n");
        }
        strcat(out, e);
    }
    return out;
}

typedef struct bad_case {
    size_t line;        /* line edited */
    const char *repl;   /* its replacement */
    const char *where;  /* expected "line:column" in the message ("" for none) */
    const char *says;   /* expected words */
} bad_case;

Test(digits, malformed_files_are_refused_with_file_line_and_column)
{
    size_t len;
    char *text = file_text(&len);
    /* Line 3 of the file, for reference: "0,0,0,4,15,12,0,0,0,0,3,16,15,14,0,0,...": the 4th value starts at column 7. */
    cr_assert_eq(strncmp(strchr(strchr(text, '\n') + 1, '\n') + 1, "0,0,0,4,15,12,", 14), 0);
    char pix_half[300], pix_17[300], label_10[300], short_line[300], long_line[300];
    const char *l3 = strchr(strchr(text, '\n') + 1, '\n') + 1;
    size_t l3n = (size_t)(strchr(l3, '\n') - l3);
    snprintf(pix_half, sizeof pix_half, "0,0,0,0.25%.*s", (int)(l3n - 7), l3 + 7);  /* 4 -> 0.25 */
    snprintf(pix_17, sizeof pix_17, "0,0,0,17%.*s", (int)(l3n - 7), l3 + 7);
    snprintf(label_10, sizeof label_10, "%.*s10", (int)(l3n - 1), l3);             /* label 2 -> 10 */
    snprintf(short_line, sizeof short_line, "%.*s", (int)(l3n - 2), l3);           /* drop ",2" */
    snprintf(long_line, sizeof long_line, "%.*s,0", (int)l3n, l3);
    char ws[300];
    snprintf(ws, sizeof ws, "0,0,0, 4%.*s", (int)(l3n - 7), l3 + 7);
    const bad_case cases[] = {
        {3, pix_half, ":3:7:", "not an integer"},
        {3, pix_17, ":3:7:", "outside 0..16"},
        {3, label_10, ":3:", "label 10 is outside 0..9"},
        {3, short_line, ":3:", "64 values"},
        {3, long_line, ":3:", "more than 65 values"},
        {3, "", ":3:1:", "blank line"},
        {3, ws, ":3:7:", "not an integer"},
        {3, "-1,0,0,4", ":3:1:", "not an integer"},
        {1797, NULL, ":1796:", "ends after 1796 lines"},
        {1797, "+0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
               "0,0,0,0,0,0,0,0,0,0,0,0,0\n",
         ":1798:1:", "more than 1797 lines"},
    };
    char *dir = util_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/bad.csv.gz", dir);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *bad = edit_line(text, cases[k].line, cases[k].repl);
        write_gz(path, bad, strlen(bad));
        dataset tr, te;
        int st = digits_load(path, &tr, &te);
        cr_expect_eq(st, CIM_EIO, "case %zu", k);
        char want[700];
        snprintf(want, sizeof want, "%s%s", path, cases[k].where);
        cr_expect(strstr(cim_errmsg(), want) != NULL, "case %zu: '%s' lacks '%s'", k, cim_errmsg(), want);
        cr_expect(strstr(cim_errmsg(), cases[k].says) != NULL, "case %zu: '%s' lacks '%s'", k, cim_errmsg(),
                  cases[k].says);
        cr_expect_null(tr.x);
        cr_expect_eq(te.n, 0);
        free(bad);
    }
    /* The whole file in the wrong unit (pixels already divided by 16): refused at the first nonzero pixel. */
    {
        char *div = malloc(len * 12 + 1), *o = div;
        const char *p = text;
        while (*p) {
            int v, used;
            sscanf(p, "%d%n", &v, &used);
            p += used;
            int label = *p == '\n';
            o += label ? sprintf(o, "%d", v) : sprintf(o, "%.17g", v / 16.0);
            *o++ = *p++;
        }
        *o = '\0';
        write_gz(path, div, strlen(div));
        dataset tr;
        cr_expect_eq(digits_load(path, &tr, NULL), CIM_EIO);
        char want[700];
        snprintf(want, sizeof want, "%s:1:5: pixel '0.3125' is not an integer", path); /* line 1: 0,0,5,... */
        cr_expect(strstr(cim_errmsg(), want) != NULL, "'%s' lacks '%s'", cim_errmsg(), want);
        free(div);
    }
    /* A broken gzip stream (the real file cut in half) and a missing file. */
    {
        size_t n = 0;
        char *gz = util_slurp(DIGITS, &n);
        cr_assert_not_null(gz);
        FILE *fp = fopen(path, "wb");
        fwrite(gz, 1, n / 2, fp);
        fclose(fp);
        free(gz);
        dataset tr;
        cr_expect_eq(digits_load(path, &tr, NULL), CIM_EIO);
        cr_expect(strstr(cim_errmsg(), path) != NULL, "%s", cim_errmsg());
        remove(path);
        cr_expect_eq(digits_load(path, &tr, NULL), CIM_EIO);
        cr_expect(strstr(cim_errmsg(), "cannot read") != NULL && strstr(cim_errmsg(), path) != NULL, "%s",
                  cim_errmsg());
    }
    free(text);
    rmdir(dir);
    free(dir);
}

/* ---- training -------------------------------------------------------------------------------------------------- */

/* A small random problem: n samples, d features, K classes. */
static dataset tiny_set(size_t n, size_t d, size_t K, unsigned long seed)
{
    dataset s;
    dataset_alloc(&s, n, d, K);
    double *x = util_random_vec(n * d, 0, 1, seed);
    memcpy(s.x, x, n * d * sizeof *x);
    free(x);
    for (size_t i = 0; i < n; i++)
        s.y[i] = (int)(i % K);
    return s;
}

/* At W = 0, b = 0 every probability is 1/K: F/n = log K, dF/db = (1/n) sum (1/K - onehot), dF/dW = X^T (1/K -
 * onehot) / n, by hand.  At a random point, the analytic gradient matches central differences (error ~ h^2). */
Test(train, softmax_gradient_matches_hand_values_and_finite_differences)
{
    const size_t n = 7, d = 3, K = 4;
    dataset s = tiny_set(n, d, K, 5);
    size_t size[2] = {d, K};
    ann a;
    cr_assert_eq(ann_alloc(&a, 1, size), CIM_OK);
    double gW[12], gb[4];
    const double C = 0.7;
    double f = train_softmax_objective(&a, &s, C, gW, gb);
    cr_expect(fabs(f - log(4.0)) < 1e-15, "F/n %.17g", f);
    for (size_t k = 0; k < K; k++) {
        double want = 0;
        for (size_t i = 0; i < n; i++)
            want += (0.25 - (s.y[i] == (int)k)) / (double)n;
        cr_expect(fabs(gb[k] - want) < 1e-15, "gb[%zu] %.17g want %.17g", k, gb[k], want);
        for (size_t j = 0; j < d; j++) {
            double w = 0;
            for (size_t i = 0; i < n; i++)
                w += s.x[i * d + j] * (0.25 - (s.y[i] == (int)k)) / (double)n;
            cr_expect(fabs(gW[j * K + k] - w) < 1e-15, "gW[%zu][%zu]", j, k);
        }
    }
    double *r = util_random_vec(d * K + K, -2, 2, 9);
    memcpy(a.W[0], r, d * K * sizeof *r);
    memcpy(a.b[0], r + d * K, K * sizeof *r);
    train_softmax_objective(&a, &s, C, gW, gb);
    const double h = 1e-5;
    for (size_t q = 0; q < d * K + K; q++) {
        double *w = q < d * K ? &a.W[0][q] : &a.b[0][q - d * K], keep = *w;
        *w = keep + h;
        double fp = train_softmax_objective(&a, &s, C, NULL, NULL);
        *w = keep - h;
        double fm = train_softmax_objective(&a, &s, C, NULL, NULL);
        *w = keep;
        double fd = (fp - fm) / (2 * h), an = q < d * K ? gW[q] : gb[q - d * K];
        cr_expect(fabs(fd - an) < 1e-8, "component %zu: analytic %.12g, central difference %.12g", q, an, fd);
    }
    /* The penalty: W/(C n) on the weights only (the bias is not penalised): F(C) - F(C = inf) = ||W||^2 / (2 C n). */
    double w2 = 0;
    for (size_t q = 0; q < d * K; q++)
        w2 += a.W[0][q] * a.W[0][q];
    double f1 = train_softmax_objective(&a, &s, C, NULL, NULL), f0 = train_softmax_objective(&a, &s, 1e300, NULL, NULL);
    cr_expect(fabs(f1 - f0 - w2 / (2 * C * (double)n)) < 1e-14, "%.17g vs %.17g", f1 - f0, w2 / (2 * C * n));
    free(r);
    ann_free(&a);
    dataset_free(&s);
}

static ann train_softmax(const dataset *tr, train_report *rep, double *seconds)
{
    train_params p = train_params_default();
    cr_assert_eq(p.model, TRAIN_SOFTMAX);
    ann a;
    double t0 = now_s();
    cr_assert_eq(train_fit(&p, tr, 1, "train", &a, rep), CIM_OK, "%s", cim_errmsg());
    if (seconds)
        *seconds = now_s() - t0;
    return a;
}

/* scikit-learn's LogisticRegression(C = 1, lbfgs) scores 92.00% (414/450) on this split (data/README.md).  Same
 * objective, so within 1 point; and the result is a stationary point: the gradient, recomputed, is below tol. */
Test(train, softmax_regression_within_a_point_of_scikit_learn)
{
    dataset tr, te;
    load(&tr, &te);
    train_report rep;
    double secs;
    ann a = train_softmax(&tr, &rep, &secs);
    size_t ok = ann_correct(&a, &te), ok_tr = ann_correct(&a, &tr);
    cr_log_info("softmax regression: test %zu/450 = %.2f%%, train %.2f%%, %lld BFGS iterations, F/n %.10f, "
                "|grad| %.2g, %.3f s",
                ok, 100.0 * ok / 450, 100.0 * ok_tr / 1347, rep.iterations, rep.objective, rep.grad_norm, secs);
    cr_expect(fabs(100.0 * ok / 450 - 92.0) <= 1.0, "test accuracy %.2f%%", 100.0 * ok / 450);
    cr_expect(rep.converged);
    double gW[640], gb[10];
    double f = train_softmax_objective(&a, &tr, 1.0, gW, gb);
    double g2 = 0;
    for (int k = 0; k < 640; k++)
        g2 += gW[k] * gW[k];
    for (int k = 0; k < 10; k++)
        g2 += gb[k] * gb[k];
    cr_expect(sqrt(g2) < train_params_default().tol, "|grad| %.3g", sqrt(g2));
    cr_expect(fabs(f - rep.objective) < 1e-12);
    /* The softmax's own prediction agrees with the batch count. */
    size_t ok1 = 0;
    for (size_t i = 0; i < te.n; i++)
        ok1 += ann_predict(&a, te.x + i * 64) == te.y[i];
    cr_expect_eq(ok1, ok);
    ann_free(&a);
    dataset_free(&tr), dataset_free(&te);
}

/* The reference MLP (64-32-10, Adam, L2 1e-4) scores 92.5% +- 0.6% over seeds; >= 90% is the sanity bar.  The same
 * seed gives the same bits twice; another seed another network. */
Test(train, mlp_accuracy_and_seeded_bits)
{
    dataset tr, te;
    load(&tr, &te);
    train_params p = train_params_default();
    p.model = TRAIN_MLP;
    ann a, b, c;
    train_report rep;
    double t0 = now_s();
    cr_assert_eq(train_fit(&p, &tr, 7, "train", &a, &rep), CIM_OK, "%s", cim_errmsg());
    double secs = now_s() - t0;
    cr_assert_eq(train_fit(&p, &tr, 7, "train", &b, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(train_fit(&p, &tr, 8, "train", &c, NULL), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(a.n_layers, 2);
    cr_expect_eq(a.size[1], 32);
    size_t ok = ann_correct(&a, &te), ok_c = ann_correct(&c, &te);
    cr_log_info("MLP 64-32-10: test %zu/450 = %.2f%% (seed 7), %.2f%% (seed 8); %lld Adam steps, last epoch's mean "
                "log-loss %.4f, %.3f s",
                ok, 100.0 * ok / 450, 100.0 * ok_c / 450, rep.iterations, rep.objective, secs);
    cr_expect_geq(100.0 * ok / 450, 90.0);
    cr_expect_geq(100.0 * ok_c / 450, 90.0);
    cr_expect_eq(rep.iterations, 200 * 7, "7 batches of at most 200 per epoch");
    for (int l = 0; l < 2; l++) {
        cr_expect_eq(memcmp(a.W[l], b.W[l], a.size[l] * a.size[l + 1] * sizeof(double)), 0, "layer %d", l);
        cr_expect_eq(memcmp(a.b[l], b.b[l], a.size[l + 1] * sizeof(double)), 0, "layer %d", l);
        cr_expect_neq(memcmp(a.W[l], c.W[l], a.size[l] * a.size[l + 1] * sizeof(double)), 0, "layer %d", l);
    }
    ann_free(&a), ann_free(&b), ann_free(&c);
    dataset_free(&tr), dataset_free(&te);
}

Test(train, bad_inputs_are_refused)
{
    dataset s = tiny_set(5, 2, 3, 1);
    train_params p = train_params_default();
    ann a;
    s.y[2] = 3;
    cr_expect_eq(train_fit(&p, &s, 1, "t", &a, NULL), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "sample 2") != NULL, "%s", cim_errmsg());
    s.y[2] = 0;
    p.C = 0;
    cr_expect_eq(train_fit(&p, &s, 1, "t", &a, NULL), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "C (0)") != NULL, "%s", cim_errmsg());
    p = train_params_default();
    p.model = TRAIN_MLP;
    p.hidden = 0;
    cr_expect_eq(train_fit(&p, &s, 1, "t", &a, NULL), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "hidden") != NULL, "%s", cim_errmsg());
    cr_expect_eq(a.n_layers, 0);
    dataset_free(&s);
}

/* A trained MLP saved and loaded gives the same doubles (17 significant digits), and the files are what the header
 * says; a broken directory is refused naming the file (and line and column for a bad value). */
Test(train, network_directory_round_trips_and_refuses_bad_files)
{
    dataset s = tiny_set(40, 5, 3, 2);
    train_params p = train_params_default();
    p.model = TRAIN_MLP;
    p.hidden = 4;
    p.epochs = 3;
    ann a, b;
    cr_assert_eq(train_fit(&p, &s, 3, "train", &a, NULL), CIM_OK, "%s", cim_errmsg());
    char *dir = util_tmpdir(), sub[600], path[700];
    snprintf(sub, sizeof sub, "%s/net", dir);
    cr_assert_eq(ann_save(&a, sub), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(ann_load(&b, sub), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(b.n_layers, 2);
    for (int l = 0; l < 2; l++) {
        cr_expect_eq(b.size[l + 1], a.size[l + 1]);
        cr_expect_eq(memcmp(a.W[l], b.W[l], a.size[l] * a.size[l + 1] * sizeof(double)), 0);
        cr_expect_eq(memcmp(a.b[l], b.b[l], a.size[l + 1] * sizeof(double)), 0);
    }
    ann_free(&b);
    snprintf(path, sizeof path, "%s/params.json", sub);
    json_t *root = json_load_file(path, 0, NULL);
    cr_assert_not_null(root);
    cr_expect_str_eq(json_string_value(json_object_get(root, "kind")), "ann");
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(root, "layer_sizes"), 1)), 4);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(root, "weights"), 1)), "W2.csv");
    json_decref(root);
    /* W1.csv: 5 lines of 4 values. */
    snprintf(path, sizeof path, "%s/W1.csv", sub);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_NONE;
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(t.rows, 5);
    cr_expect_eq(t.cols, 4);
    csv_table_free(&t);
    /* A bad value at line 2, column 1 of W1.csv. */
    util_write(path, "1,2,3,4\nx,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n");
    cr_expect_eq(ann_load(&b, sub), CIM_EIO);
    char want[800];
    snprintf(want, sizeof want, "%s:2:1:", path);
    cr_expect(strstr(cim_errmsg(), want) != NULL, "'%s' lacks '%s'", cim_errmsg(), want);
    cr_expect_eq(b.n_layers, 0);
    util_write(path, "1,2,3,4\n1,2,3,4\n");
    cr_expect_eq(ann_load(&b, sub), CIM_EIO);
    cr_expect(strstr(cim_errmsg(), "W1.csv: 2 lines") != NULL, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/params.json", sub);
    util_write(path, "{\"kind\": \"snn\"}\n");
    cr_expect_eq(ann_load(&b, sub), CIM_EIO);
    cr_expect(strstr(cim_errmsg(), "\"kind\" must be \"ann\"") != NULL, "%s", cim_errmsg());
    util_write(path, "{\"kind\": \"ann\",\n \"layer_sizes\": [5, 4, 3}\n");
    cr_expect_eq(ann_load(&b, sub), CIM_EIO);
    snprintf(want, sizeof want, "%s:2:", path);
    cr_expect(strstr(cim_errmsg(), want) != NULL, "'%s' lacks '%s'", cim_errmsg(), want);
    ann_free(&a);
    dataset_free(&s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

/* ---- encoders -------------------------------------------------------------------------------------------------- */

static encoder *make_encoder(int type, size_t n, int bias, uint64_t T, double rate, uint64_t seed)
{
    encoder_spec s = {.p = encode_params_default(), .n_channels = n, .bias = bias, .T_steps = T, .dt_s = 1e-3,
                      .seed = seed, .stream = "encode"};
    s.p.type = type;
    if (rate > 0)
        s.p.rate_max_Hz = rate;
    encoder *e;
    cr_assert_eq(encoder_new(&e, &s), CIM_OK, "%s", cim_errmsg());
    return e;
}

static void count_spikes(encoder *e, uint64_t T, size_t n, uint64_t *count, uint64_t *first)
{
    uint32_t spk[1024];
    for (size_t j = 0; j < n; j++)
        count[j] = 0, first[j] = UINT64_MAX;
    for (uint64_t t = 0; t < T; t++) {
        size_t k = encoder_step(e, t, spk);
        for (size_t q = 0; q < k; q++) {
            if (q > 0)
                cr_assert_gt(spk[q], spk[q - 1], "ascending");
            if (count[spk[q]]++ == 0)
                first[spk[q]] = t;
        }
    }
}

/* N(T) = floor(phase + T x): for x = k/16 the additions are exact, so the count is this to the spike; the first spike
 * comes at the first t with phase + (t + 1) x >= 1, i.e. t = ceil((1 - phase) / x) - 1.  The bias channel spikes
 * every step. */
Test(encode, regular_counts_follow_the_closed_form)
{
    const uint64_t Ts[] = {1, 30, 100, 1000};
    double x[17];
    for (int k = 0; k <= 16; k++)
        x[k] = k / 16.0;
    for (int ph = 0; ph < 2; ph++)
        for (size_t q = 0; q < 4; q++) {
            encoder_spec s = {.p = encode_params_default(), .n_channels = 17, .bias = 1, .T_steps = Ts[q],
                              .dt_s = 1e-3, .seed = 1, .stream = "encode"};
            s.p.phase = ph ? 0.5 : 0.25;
            encoder *e;
            cr_assert_eq(encoder_new(&e, &s), CIM_OK, "%s", cim_errmsg());
            cr_assert_eq(encoder_channels(e), 18);
            cr_assert_null(encoder_analog(e));
            cr_assert_eq(encoder_set_input(e, x, 0), CIM_OK);
            uint64_t count[18], first[18];
            count_spikes(e, Ts[q], 18, count, first);
            for (int k = 0; k <= 16; k++) {
                double want = floor(s.p.phase + (double)Ts[q] * x[k]);
                cr_expect_eq((double)count[k], want, "x = %d/16, T = %llu, phase %g", k, (unsigned long long)Ts[q],
                             s.p.phase);
                if (k > 0 && want > 0)
                    cr_expect_eq((double)first[k], ceil((1 - s.p.phase) / x[k]) - 1, "first spike, x = %d/16", k);
            }
            cr_expect_eq(count[17], Ts[q], "bias channel");
            encoder_free(e);
        }
    /* Any x in [0, 1]: within one of the closed form (the rounding of repeated additions can move a spike across an
     * exact boundary), and never more than one spike per step. */
    double *xr = util_random_vec(200, 0, 1, 17);
    encoder *e = make_encoder(ENCODE_REGULAR, 200, 0, 500, 0, 1);
    cr_assert_eq(encoder_set_input(e, xr, 3), CIM_OK);
    uint64_t count[200], first[200];
    count_spikes(e, 500, 200, count, first);
    for (int j = 0; j < 200; j++)
        cr_expect(fabs((double)count[j] - floor(0.5 + 500 * xr[j])) <= 1, "x = %.17g: %llu", xr[j],
                  (unsigned long long)count[j]);
    encoder_free(e);
    free(xr);
}

/* Bernoulli p = x rate dt per step: over n = channels x steps trials the count is Binomial(n, p); it must lie within
 * 5 standard deviations of n p (a false alarm about once in 1.7 million). */
Test(encode, poisson_rate_within_a_binomial_bound)
{
    const double rates[] = {1000, 200};
    const double xs[] = {0.3, 0.75, 1.0 / 16};
    for (int r = 0; r < 2; r++)
        for (int q = 0; q < 3; q++) {
            const size_t n = 64;
            const uint64_t T = 2000;
            double x[64];
            for (size_t j = 0; j < n; j++)
                x[j] = xs[q];
            encoder *e = make_encoder(ENCODE_POISSON, n, 0, T, rates[r], 11);
            cr_assert_eq(encoder_set_input(e, x, (uint64_t)q), CIM_OK);
            uint64_t count[64], first[64], total = 0;
            count_spikes(e, T, n, count, first);
            for (size_t j = 0; j < n; j++)
                total += count[j];
            const double p = xs[q] * rates[r] * 1e-3, trials = (double)(n * T);
            const double sd = sqrt(trials * p * (1 - p));
            cr_expect(fabs((double)total - trials * p) < 5 * sd, "rate %g Hz, x %g: %llu spikes, expected %.1f +- %.1f",
                      rates[r], xs[q], (unsigned long long)total, trials * p, sd);
            encoder_free(e);
        }
    /* x = 0 never spikes; p = 1 always does. */
    double x2[2] = {0, 1};
    encoder *e = make_encoder(ENCODE_POISSON, 2, 0, 100, 1000, 3);
    cr_assert_eq(encoder_set_input(e, x2, 0), CIM_OK);
    uint64_t count[2], first[2];
    count_spikes(e, 100, 2, count, first);
    cr_expect_eq(count[0], 0);
    cr_expect_eq(count[1], 100);
    encoder_free(e);
}

/* Sample s's spikes depend on (seed, stream, s, x) only: running samples 0..9 forward on one encoder and backward on
 * another, with steps visited out of order, gives the same spikes; another sample index or seed gives others. */
Test(encode, poisson_bits_do_not_depend_on_the_order_of_samples_or_steps)
{
    const size_t n = 64;
    const uint64_t T = 40;
    double *x = util_random_vec(n, 0, 1, 4);
    uint32_t ref[10][40][64];
    size_t nref[10][40];
    encoder *a = make_encoder(ENCODE_POISSON, n, 1, T, 0, 99), *b = make_encoder(ENCODE_POISSON, n, 1, T, 0, 99);
    for (uint64_t s = 0; s < 10; s++) {
        cr_assert_eq(encoder_set_input(a, x, s), CIM_OK);
        for (uint64_t t = 0; t < T; t++)
            nref[s][t] = encoder_step(a, t, ref[s][t]);
    }
    uint32_t spk[65];
    for (uint64_t s = 10; s-- > 0;) {
        cr_assert_eq(encoder_set_input(b, x, s), CIM_OK);
        const uint64_t order[] = {5, 6, 0, 39, 1, 2, 2, 38, 20};
        for (size_t q = 0; q < sizeof order / sizeof *order; q++) {
            uint64_t t = order[q];
            size_t k = encoder_step(b, t, spk);
            cr_expect_eq(k, nref[s][t], "sample %llu step %llu", (unsigned long long)s, (unsigned long long)t);
            cr_expect_eq(memcmp(spk, ref[s][t], k * sizeof *spk), 0, "sample %llu step %llu", (unsigned long long)s,
                         (unsigned long long)t);
            cr_expect_eq(spk[k - 1], 64, "the bias channel last");
        }
    }
    /* Sample 0 and sample 1 differ; seed 99 and seed 98 differ. */
    size_t diff = 0;
    for (uint64_t t = 0; t < T; t++)
        diff += nref[0][t] != nref[1][t] || memcmp(ref[0][t], ref[1][t], nref[0][t] * sizeof(uint32_t)) != 0;
    cr_expect_gt(diff, 0);
    encoder *c = make_encoder(ENCODE_POISSON, n, 1, T, 0, 98);
    cr_assert_eq(encoder_set_input(c, x, 0), CIM_OK);
    diff = 0;
    for (uint64_t t = 0; t < T; t++) {
        size_t k = encoder_step(c, t, spk);
        diff += k != nref[0][t] || memcmp(spk, ref[0][t], k * sizeof *spk) != 0;
    }
    cr_expect_gt(diff, 0);
    encoder_free(a), encoder_free(b), encoder_free(c);
    free(x);
}

/* One spike at round((1 - x)(T - 1)), by hand: T = 100: x = 1 -> 0, 0.5 -> round(49.5) = 50, 0.25 -> round(74.25) = 74,
 * 1/16 -> round(92.8125) = 93, 0 -> none; the current code gives no spikes and the analog values. */
Test(encode, ttfs_spike_steps_and_current)
{
    double x[5] = {1, 0.5, 0.25, 1.0 / 16, 0};
    const uint64_t want[5] = {0, 50, 74, 93, UINT64_MAX};
    encoder *e = make_encoder(ENCODE_TTFS, 5, 0, 100, 0, 1);
    cr_assert_eq(encoder_set_input(e, x, 0), CIM_OK);
    uint64_t count[5], first[5];
    count_spikes(e, 100, 5, count, first);
    for (int j = 0; j < 5; j++) {
        cr_expect_eq(first[j], want[j], "x = %g", x[j]);
        cr_expect_eq(count[j], j < 4 ? 1u : 0u, "x = %g", x[j]);
    }
    encoder_free(e);
    e = make_encoder(ENCODE_CURRENT, 5, 1, 100, 0, 1);
    cr_assert_eq(encoder_set_input(e, x, 0), CIM_OK);
    uint32_t spk[6];
    cr_expect_eq(encoder_step(e, 0, spk), 0);
    const double *an = encoder_analog(e);
    cr_assert_not_null(an);
    for (int j = 0; j < 5; j++)
        cr_expect_eq(an[j], x[j]);
    cr_expect_eq(an[5], 1.0, "the bias channel's value");
    encoder_free(e);
}

Test(encode, bad_settings_and_inputs_are_refused_and_inputs_csv_is_written)
{
    encoder_spec s = {.p = encode_params_default(), .n_channels = 3, .T_steps = 10, .dt_s = 1e-3, .stream = "e"};
    s.p.type = ENCODE_POISSON;
    s.p.rate_max_Hz = 1001;
    encoder *e;
    cr_expect_eq(encoder_new(&e, &s), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "rate_max_Hz (1001)") == cim_errmsg(), "%s", cim_errmsg());
    s.p.rate_max_Hz = 1000;
    cr_assert_eq(encoder_new(&e, &s), CIM_OK);
    double x[3] = {0.5, 1.5, 0};
    cr_expect_eq(encoder_set_input(e, x, 4), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "feature 1 of sample 4 is 1.5") != NULL, "%s", cim_errmsg());
    x[1] = NAN;
    cr_expect_eq(encoder_set_input(e, x, 4), CIM_EINVAL);
    encoder_free(e);
    /* inputs.csv: the steps' spikes, "step,channel", sorted. */
    e = make_encoder(ENCODE_REGULAR, 3, 1, 6, 0, 1);
    double y[3] = {0.5, 0.25, 0};
    cr_assert_eq(encoder_set_input(e, y, 0), CIM_OK);
    char *dir = util_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/inputs.csv", dir);
    cr_assert_eq(encoder_write_inputs(e, path), CIM_OK, "%s", cim_errmsg());
    char *text = util_slurp(path, NULL);
    /* x = 0.5 from phase 0.5: spikes at steps 0, 2, 4; x = 0.25: at 1, 5; bias (channel 3) every step. */
    cr_expect_str_eq(text, "step,channel\n0,0\n0,3\n1,1\n1,3\n2,0\n2,3\n3,3\n4,0\n4,3\n5,1\n5,3\n");
    free(text);
    remove(path);
    rmdir(dir);
    free(dir);
    encoder_free(e);
}

/* ---- conversion ------------------------------------------------------------------------------------------------ */

static neuron_params lif_reference(void)
{
    /* The reference network's neurons (data/README.md): alpha = exp(-1 ms / 20 ms), 20 mV, reset to 0, no refractory
     * period. */
    return (neuron_params){.tau_m_s = 0.02, .alpha = 0.951229424500714, .v_th_V = 0.02, .reset = NEURON_RESET_VALUE};
}

Test(convert, percentile_is_numpys_linear_interpolation)
{
    double a[4] = {4, 1, 3, 2};
    cr_expect_eq(convert_percentile(a, 4, 50), 2.5);
    double b[4] = {4, 1, 3, 2};
    /* index 0.999 * 3 = 2.997: 3 + 0.997 (4 - 3) */
    cr_expect(fabs(convert_percentile(b, 4, 99.9) - 3.997) < 1e-15);
    double c[4] = {4, 1, 3, 2};
    cr_expect_eq(convert_percentile(c, 4, 100), 4.0);
    cr_expect_eq(convert_percentile(c, 4, 0), 1.0);
    cr_expect(isnan(convert_percentile(c, 0, 50)));
}

/* Ties: most spikes, then the larger final v, then the lower index. */
Test(convert, readout_breaks_ties_as_documented)
{
    uint64_t s1[4] = {3, 5, 5, 1};
    double v1[4] = {0, 0.001, 0.002, 0};
    cr_expect_eq(convert_readout(s1, v1, 4), 2);
    double v2[4] = {0, 0.002, 0.002, 0};
    cr_expect_eq(convert_readout(s1, v2, 4), 1);
    cr_expect_eq(convert_readout(s1, NULL, 4), 1);
    uint64_t s0[3] = {0, 0, 0};
    double v3[3] = {-1, -0.5, -0.5};
    cr_expect_eq(convert_readout(s0, v3, 3), 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The conformance convention's loop over one sample for a converted network of L layers at delay 0: returns the
 * class (convert_readout of the last layer) and counts every layer's spikes into spikes[l] (per neuron). */
static size_t run_sample(const snn_conv *c, double alpha, double v_th, encoder *e, const double *x, uint64_t s,
                         uint64_t T, uint64_t **spikes)
{
    double *v[ANN_MAX_LAYERS];
    uint32_t *src = malloc(1024 * sizeof *src), *nxt = malloc(1024 * sizeof *nxt);
    for (size_t l = 0; l < c->n_layers; l++) {
        v[l] = calloc(c->size[l + 1], sizeof(double));
        memset(spikes[l], 0, c->size[l + 1] * sizeof(uint64_t));
    }
    cr_assert_eq(encoder_set_input(e, x, s), CIM_OK);
    for (uint64_t t = 0; t < T; t++) {
        size_t n = encoder_step(e, t, src);
        for (size_t l = 0; l < c->n_layers; l++) {
            const size_t No = c->size[l + 1];
            for (size_t i = 0; i < No; i++)
                v[l][i] *= alpha;
            for (size_t q = 0; q < n; q++)
                for (size_t i = 0; i < No; i++)
                    v[l][i] += c->w[l][src[q] * No + i];
            size_t m = 0;
            for (size_t i = 0; i < No; i++)
                if (v[l][i] >= v_th) {
                    v[l][i] = 0;
                    spikes[l][i]++;
                    nxt[m++] = (uint32_t)i;
                }
            uint32_t *tmp = src;
            src = nxt, nxt = tmp, n = m;
        }
    }
    const size_t L = c->n_layers;
    size_t cls = convert_readout(spikes[L - 1], v[L - 1], c->size[L]);
    for (size_t l = 0; l < L; l++)
        free(v[l]);
    free(src), free(nxt);
    return cls;
}

static size_t snn_correct(const snn_conv *c, const dataset *te, int code, uint64_t T, uint64_t **spikes,
                          uint64_t *relay_min)
{
    neuron_params np = lif_reference();
    encoder *e = make_encoder(code, te->d, c->bias, T, 0, 5);
    size_t ok = 0;
    if (relay_min)
        *relay_min = UINT64_MAX;
    for (size_t i = 0; i < te->n; i++) {
        ok += run_sample(c, np.alpha, np.v_th_V, e, te->x + i * te->d, i, T, spikes) == (size_t)te->y[i];
        for (size_t l = 0; relay_min && l + 1 < c->n_layers; l++)
            *relay_min = spikes[l][c->size[l + 1] - 1] < *relay_min ? spikes[l][c->size[l + 1] - 1] : *relay_min;
    }
    encoder_free(e);
    return ok;
}

/* The recipe of data/README.md computed here: logits by plain loops, the 99.9th percentile of the positive ones by
 * sorting and interpolating, c = 0.5 v_th / q, weights c [W; b].  The converted network then classifies the test
 * split, regular code, T = 30 and 100, at >= 91% (the reference: 91.78%) and within 1 point of the float network. */
Test(convert, softmax_conversion_is_the_reference_recipe_and_classifies_the_digits)
{
    dataset tr, te;
    load(&tr, &te);
    ann a = train_softmax(&tr, NULL, NULL);
    double *pos = malloc(tr.n * 10 * sizeof *pos);
    size_t m = 0;
    for (size_t i = 0; i < tr.n; i++)
        for (size_t k = 0; k < 10; k++) {
            double z = a.b[0][k];
            for (size_t j = 0; j < 64; j++)
                z += tr.x[i * 64 + j] * a.W[0][j * 10 + k];
            if (z > 0)
                pos[m++] = z;
        }
    qsort(pos, m, sizeof *pos, cmp_double);
    const double idx = 0.999 * (double)(m - 1), fr = idx - floor(idx);
    const double q = pos[(size_t)idx] + fr * (pos[(size_t)idx + 1] - pos[(size_t)idx]);
    const double cfac = 0.5 * 0.02 / q;
    free(pos);

    convert_params cp = convert_params_default();
    neuron_params np = lif_reference();
    snn_conv c;
    cr_assert_eq(convert_ann(&cp, &a, &tr, &np, &c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(c.n_layers, 1);
    cr_assert_eq(c.size[0], 65);
    cr_assert_eq(c.size[1], 10);
    cr_expect(fabs(c.lambda[0] / q - 1) < 1e-12, "lambda %.17g, by hand %.17g", c.lambda[0], q);
    double worst = 0;
    for (size_t j = 0; j < 65; j++)
        for (size_t k = 0; k < 10; k++) {
            double want = cfac * (j < 64 ? a.W[0][j * 10 + k] : a.b[0][k]);
            worst = fmax(worst, fabs(c.w[0][j * 10 + k] - want) / fmax(fabs(want), 1e-300));
        }
    cr_expect_lt(worst, 1e-12, "largest relative difference %.3g", worst);

    const size_t ok_float = ann_correct(&a, &te);
    uint64_t cnt[10], *spikes[1] = {cnt};
    const uint64_t Ts[2] = {30, 100};
    for (int k = 0; k < 2; k++) {
        double t0 = now_s();
        size_t ok = snn_correct(&c, &te, ENCODE_REGULAR, Ts[k], spikes, NULL);
        cr_log_info("converted softmax, regular code, T = %llu: %zu/450 = %.2f%% (float network %.2f%%), %.3f s",
                    (unsigned long long)Ts[k], ok, 100.0 * ok / 450, 100.0 * ok_float / 450, now_s() - t0);
        cr_expect_geq(100.0 * ok / 450, 91.0, "T = %llu", (unsigned long long)Ts[k]);
        cr_expect_leq(fabs(100.0 * ((double)ok - (double)ok_float) / 450), 1.0, "T = %llu", (unsigned long long)Ts[k]);
    }
    /* The Bernoulli code (reference 91.5% +- 0.4% at T = 30): reported; sanity only. */
    size_t okp = snn_correct(&c, &te, ENCODE_POISSON, 30, spikes, NULL);
    cr_log_info("converted softmax, poisson code, T = 30: %.2f%%", 100.0 * okp / 450);
    cr_expect_geq(100.0 * okp / 450, 85.0);

    /* Without the bias channel the network is 64 -> 10 and the biases are gone. */
    cp.bias = 0;
    snn_conv nb;
    cr_assert_eq(convert_ann(&cp, &a, &tr, &np, &nb), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(nb.size[0], 64);
    cr_expect_eq(nb.w[0][5], c.w[0][5]);
    snn_conv_free(&nb);
    snn_conv_free(&c);
    ann_free(&a);
    dataset_free(&tr), dataset_free(&te);
}

/* Two layers: the hidden layer gets a relay neuron that spikes every step; weights follow the rate rule of
 * snn/convert.h (layer 1 v_th s W1 / lambda1, layer 2 v_th W2 lambda1 / lambda2, bias rows v_th s b / lambda).
 * The converted MLP's accuracy is reported (the leak and reset to zero make deep rate codes lossy; sanity bar). */
Test(convert, mlp_conversion_relays_the_bias_and_classifies)
{
    dataset tr, te;
    load(&tr, &te);
    train_params p = train_params_default();
    p.model = TRAIN_MLP;
    ann a;
    cr_assert_eq(train_fit(&p, &tr, 1, "train", &a, NULL), CIM_OK, "%s", cim_errmsg());
    convert_params cp = convert_params_default();
    neuron_params np = lif_reference();
    snn_conv c;
    cr_assert_eq(convert_ann(&cp, &a, &tr, &np, &c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(c.n_layers, 2);
    cr_expect_eq(c.size[0], 65);
    cr_expect_eq(c.size[1], 33);
    cr_expect_eq(c.size[2], 10);
    const double l1 = c.lambda[0], l2 = c.lambda[1], v = 0.02;
    cr_expect(fabs(c.w[0][3 * 33 + 4] - v * 0.5 * a.W[0][3 * 32 + 4] / l1) < 1e-15);
    cr_expect(fabs(c.w[0][64 * 33 + 4] - v * 0.5 * a.b[0][4] / l1) < 1e-15);
    cr_expect_eq(c.w[0][64 * 33 + 32], 0.02, "the relay's weight from the bias channel");
    cr_expect_eq(c.w[0][10 * 33 + 32], 0.0, "the relay hears only the bias channel");
    cr_expect(fabs(c.w[1][7 * 10 + 2] - v * a.W[1][7 * 10 + 2] * l1 / l2) < 1e-15);
    cr_expect(fabs(c.w[1][32 * 10 + 2] - v * 0.5 * a.b[1][2] / l2) < 1e-15);
    uint64_t h[33], o[10], *spikes[2] = {h, o}, relay_min;
    const size_t ok_float = ann_correct(&a, &te);
    size_t ok = snn_correct(&c, &te, ENCODE_REGULAR, 100, spikes, &relay_min);
    cr_log_info("converted MLP 64-32-10, regular code, T = 100: %.2f%% (float network %.2f%%)", 100.0 * ok / 450,
                100.0 * ok_float / 450);
    cr_expect_eq(relay_min, 100, "the relay spikes every step");
    cr_expect_geq(100.0 * ok / 450, 85.0);
    /* A refractory period would silence the relay every other step: refused. */
    np.t_ref_steps = 1;
    snn_conv bad;
    cr_expect_eq(convert_ann(&cp, &a, &tr, &np, &bad), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "t_ref_steps (1)") != NULL, "%s", cim_errmsg());
    snn_conv_free(&c);
    ann_free(&a);
    dataset_free(&tr), dataset_free(&te);
}

/* The network directory of a converted network: params.json with the neuron parameters and sizes, W.csv holding the
 * weights to the bit. */
Test(convert, save_writes_a_network_directory)
{
    dataset s = tiny_set(30, 4, 3, 8);
    train_params p = train_params_default();
    ann a;
    cr_assert_eq(train_fit(&p, &s, 1, "train", &a, NULL), CIM_OK, "%s", cim_errmsg());
    convert_params cp = convert_params_default();
    neuron_params np = lif_reference();
    np.alpha = 0; /* from tau_m and dt */
    snn_conv c;
    cr_assert_eq(convert_ann(&cp, &a, &s, &np, &c), CIM_OK, "%s", cim_errmsg());
    char *dir = util_tmpdir(), sub[600], path[700];
    snprintf(sub, sizeof sub, "%s/snn", dir);
    cr_assert_eq(convert_save(&c, &np, 1e-3, 30, sub), CIM_OK, "%s", cim_errmsg());
    snprintf(path, sizeof path, "%s/params.json", sub);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert_not_null(root, "%s", err.text);
    cr_expect_eq(json_real_value(json_object_get(root, "alpha")), exp(-1e-3 / 0.02));
    char hex[64];
    snprintf(hex, sizeof hex, "%a", exp(-1e-3 / 0.02));
    cr_expect_str_eq(json_string_value(json_object_get(root, "alpha_hex")), hex);
    cr_expect_eq(json_real_value(json_object_get(root, "v_th")), 0.02);
    cr_expect_eq(json_integer_value(json_object_get(root, "K")), 5);
    cr_expect_eq(json_integer_value(json_object_get(root, "bias_channel")), 4);
    cr_expect_eq(json_integer_value(json_object_get(root, "T_steps")), 30);
    cr_expect_eq(json_integer_value(json_object_get(root, "inter_layer_delay_steps")), 0);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(root, "layer_sizes"), 1)), 3);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(root, "weights"), 0)), "W.csv");
    json_decref(root);
    snprintf(path, sizeof path, "%s/W.csv", sub);
    csv_table t;
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_NONE;
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(t.rows, 5);
    cr_assert_eq(t.cols, 3);
    cr_expect_eq(memcmp(t.data, c.w[0], 15 * sizeof(double)), 0);
    csv_table_free(&t);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
    snn_conv_free(&c);
    ann_free(&a);
    dataset_free(&s);
}
