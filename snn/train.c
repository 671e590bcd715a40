/* snn/train.c -- see train.h. */
#include "snn/train.h"
#include "core/afile.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/threads.h"
#include "core/xalloc.h"

#include <errno.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the group ------------------------------------------------------------------------------------------------ */

const char *const train_model_names[] = {"softmax", "mlp", NULL};

static const param_spec train_spec[] = {
    PARAM_CHOICE_F(train_params, model, train_model_names, TRAIN_SOFTMAX,
                   "the network trained: softmax (multinomial logistic regression, the model the data's reference "
                   "SNN was converted from [digits reference]) or mlp (one hidden ReLU layer)"),
    PARAM_REAL_F(train_params, C, 1e-12, 1e12, 1.0, "1",
                 "softmax: inverse L2 strength, objective sum of log-losses + (sum of W^2) / (2 C), bias not penalised "
                 "(LogisticRegression's default C = 1 [scikit-learn])"),
    PARAM_REAL_F(train_params, tol, 1e-15, 1, 1e-6, "1",
                 "softmax: BFGS stops when the gradient of the objective / n has this Euclidean norm (convention: "
                 "tight enough that the optimum, not the stopping rule, fixes the weights)"),
    PARAM_INT_F(train_params, max_iter, 1, 1000000, 1000,
                "softmax: BFGS iterations at most (convention: the digits converge in a few hundred)"),
    PARAM_INT_F(train_params, hidden, 1, 100000, 32,
                "mlp: hidden units (the reference 64-32-10 network [digits reference])"),
    PARAM_INT_F(train_params, epochs, 1, 1000000, 200,
                "mlp: passes over the training set (MLPClassifier's max_iter = 200 [scikit-learn]; no early stopping)"),
    PARAM_INT_F(train_params, batch, 1, 1000000, 200,
                "mlp: samples per mini-batch (MLPClassifier's batch_size = min(200, n) [scikit-learn])"),
    PARAM_REAL_F(train_params, lr, 1e-12, 10, 1e-3, "1",
                 "mlp: Adam's step size (alpha = 0.001 [Kingma2015]; MLPClassifier's learning_rate_init [scikit-learn])"),
    PARAM_REAL_F(train_params, l2, 0, 1e6, 1e-4, "1",
                 "mlp: L2 strength, per batch of m samples the penalty l2 (sum of W^2) / (2 m) (MLPClassifier's alpha = 1e-4 "
                 "[scikit-learn])"),
    PARAM_REAL_F(train_params, beta1, 0, 0.999999, 0.9, "1", "mlp: Adam's first-moment decay [Kingma2015]"),
    PARAM_REAL_F(train_params, beta2, 0, 0.999999, 0.999, "1", "mlp: Adam's second-moment decay [Kingma2015]"),
    PARAM_REAL_F(train_params, eps, 1e-300, 1, 1e-8, "1", "mlp: Adam's denominator floor epsilon [Kingma2015]"),
    PARAM_END,
};

const param_group train_group = {
    .path = "train",
    .doc = "Offline training in C of the artificial network that is converted into the spiking one (snn/train.h): "
           "multinomial logistic regression by full-batch BFGS on scikit-learn's L2 objective, or one hidden ReLU "
           "layer by mini-batch Adam, seeded.",
    .params = train_spec,
    .size = sizeof(train_params),
};

train_params train_params_default(void)
{
    train_params p;
    param_defaults(&train_group, &p);
    return p;
}

/* ---- the network ---------------------------------------------------------------------------------------------- */

int ann_alloc(ann *a, size_t n_layers, const size_t *size)
{
    *a = (ann){0};
    if (n_layers < 1 || n_layers > ANN_MAX_LAYERS)
        return cim_error(CIM_EINVAL, "a network has 1 to %d layers, not %zu", ANN_MAX_LAYERS, n_layers);
    for (size_t l = 0; l <= n_layers; l++)
        if (size[l] == 0)
            return cim_error(CIM_EINVAL, "layer %zu of the network has no units", l);
    a->n_layers = n_layers;
    for (size_t l = 0; l <= n_layers; l++)
        a->size[l] = size[l];
    for (size_t l = 0; l < n_layers; l++) {
        a->W[l] = xcalloc(size[l] * size[l + 1], sizeof *a->W[l]);
        a->b[l] = xcalloc(size[l + 1], sizeof *a->b[l]);
    }
    return CIM_OK;
}

void ann_free(ann *a)
{
    if (a == NULL)
        return;
    for (size_t l = 0; l < ANN_MAX_LAYERS; l++) {
        free(a->W[l]);
        free(a->b[l]);
    }
    *a = (ann){0};
}

/* C (m x n) = alpha op(A) op(B) + beta C, row-major arrays, through GSL BLAS. */
static void gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A, const double *B,
                 double beta, double *C)
{
    gsl_matrix_const_view a = ta ? gsl_matrix_const_view_array(A, k, m) : gsl_matrix_const_view_array(A, m, k);
    gsl_matrix_const_view b = tb ? gsl_matrix_const_view_array(B, n, k) : gsl_matrix_const_view_array(B, k, n);
    gsl_matrix_view c = gsl_matrix_view_array(C, m, n);
    gsl_blas_dgemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, alpha, &a.matrix, &b.matrix, beta,
                   &c.matrix);
}

/* out (n x size[l+1]) = in W_l + b_l, then ReLU unless it is the last layer. */
static void layer_forward(const ann *a, size_t l, size_t n, const double *in, double *out)
{
    const size_t ni = a->size[l], no = a->size[l + 1];
    for (size_t r = 0; r < n; r++)
        memcpy(out + r * no, a->b[l], no * sizeof *out);
    gemm(0, 0, n, no, ni, 1.0, in, a->W[l], 1.0, out);
    if (l + 1 < a->n_layers)
        for (size_t k = 0; k < n * no; k++)
            out[k] = out[k] > 0 ? out[k] : 0;
}

void ann_forward(const ann *a, size_t n, const double *x, double *const *act)
{
    for (size_t l = 0; l < a->n_layers; l++)
        layer_forward(a, l, n, l == 0 ? x : act[l - 1], act[l]);
}

static int argmax(const double *z, size_t k)
{
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (z[i] > z[best])
            best = i;
    return (int)best;
}

int ann_predict(const ann *a, const double *x)
{
    double *act[ANN_MAX_LAYERS];
    for (size_t l = 0; l < a->n_layers; l++)
        act[l] = xmalloc(a->size[l + 1] * sizeof *act[l]);
    ann_forward(a, 1, x, act);
    int c = argmax(act[a->n_layers - 1], a->size[a->n_layers]);
    for (size_t l = 0; l < a->n_layers; l++)
        free(act[l]);
    return c;
}

size_t ann_correct(const ann *a, const dataset *s)
{
    double *act[ANN_MAX_LAYERS];
    for (size_t l = 0; l < a->n_layers; l++)
        act[l] = xmalloc(s->n * a->size[l + 1] * sizeof *act[l]);
    ann_forward(a, s->n, s->x, act);
    const size_t K = a->size[a->n_layers];
    size_t ok = 0;
    for (size_t i = 0; i < s->n; i++)
        ok += argmax(act[a->n_layers - 1] + i * K, K) == s->y[i];
    for (size_t l = 0; l < a->n_layers; l++)
        free(act[l]);
    return ok;
}

/* ---- log-loss ------------------------------------------------------------------------------------------------- */

/* Replaces the logits z (m x K) by d = (softmax(z) - onehot(y)) * scale and returns the summed log-loss. */
static double logloss_delta(double *z, const int *y, size_t m, size_t K, double scale)
{
    double loss = 0;
    for (size_t i = 0; i < m; i++) {
        double *zi = z + i * K, mx = zi[0], sum = 0;
        for (size_t k = 1; k < K; k++)
            mx = fmax(mx, zi[k]);
        for (size_t k = 0; k < K; k++)
            sum += exp(zi[k] - mx);
        const double lse = mx + log(sum);
        loss += lse - zi[y[i]];
        for (size_t k = 0; k < K; k++)
            zi[k] = exp(zi[k] - lse) * scale;
        zi[y[i]] -= scale;
    }
    return loss;
}

/* ---- softmax regression by BFGS ------------------------------------------------------------------------------- */

typedef struct sm_ctx {
    const dataset *s;
    double C;
    size_t d, K;
    double *Z; /* n x K work */
} sm_ctx;

/* F / n at w = [W (d x K, row-major); b (K)] and, if g, its gradient in the same layout. */
static double sm_eval(const double *w, sm_ctx *c, double *g)
{
    const size_t n = c->s->n, d = c->d, K = c->K;
    const double *W = w, *b = w + d * K;
    for (size_t i = 0; i < n; i++)
        memcpy(c->Z + i * K, b, K * sizeof *b);
    gemm(0, 0, n, K, d, 1.0, c->s->x, W, 1.0, c->Z);
    double w2 = 0;
    for (size_t k = 0; k < d * K; k++)
        w2 += W[k] * W[k];
    const double f = logloss_delta(c->Z, c->s->y, n, K, 1.0 / (double)n) / (double)n + w2 / (2 * c->C * (double)n);
    if (g != NULL) {
        for (size_t k = 0; k < d * K; k++)
            g[k] = W[k] / (c->C * (double)n);
        gemm(1, 0, d, K, n, 1.0, c->s->x, c->Z, 1.0, g);
        double *gb = g + d * K;
        memset(gb, 0, K * sizeof *gb);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < K; k++)
                gb[k] += c->Z[i * K + k];
    }
    return f;
}

/* GSL's vectors may be strided: copy through a contiguous buffer when they are. */
static double sm_f(const gsl_vector *x, void *p)
{
    sm_ctx *c = p;
    if (x->stride == 1)
        return sm_eval(x->data, c, NULL);
    double *w = xmalloc(x->size * sizeof *w);
    for (size_t k = 0; k < x->size; k++)
        w[k] = gsl_vector_get(x, k);
    double f = sm_eval(w, c, NULL);
    free(w);
    return f;
}

static void sm_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    sm_ctx *c = p;
    if (x->stride == 1 && g->stride == 1) {
        *f = sm_eval(x->data, c, g->data);
        return;
    }
    double *w = xmalloc(2 * x->size * sizeof *w), *gw = w + x->size;
    for (size_t k = 0; k < x->size; k++)
        w[k] = gsl_vector_get(x, k);
    *f = sm_eval(w, c, gw);
    for (size_t k = 0; k < x->size; k++)
        gsl_vector_set(g, k, gw[k]);
    free(w);
}

static void sm_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    double f;
    sm_fdf(x, p, &f, g);
}

double train_softmax_objective(const ann *a, const dataset *s, double C, double *gW, double *gb)
{
    const size_t d = a->size[0], K = a->size[1];
    sm_ctx c = {.s = s, .C = C, .d = d, .K = K, .Z = xmalloc(s->n * K * sizeof(double))};
    double *w = xmalloc((d * K + K) * sizeof *w), *g = xmalloc((d * K + K) * sizeof *g);
    memcpy(w, a->W[0], d * K * sizeof *w);
    memcpy(w + d * K, a->b[0], K * sizeof *w);
    double f = sm_eval(w, &c, g);
    if (gW)
        memcpy(gW, g, d * K * sizeof *g);
    if (gb)
        memcpy(gb, g + d * K, K * sizeof *g);
    free(w), free(g), free(c.Z);
    return f;
}

static int fit_softmax(const train_params *p, const dataset *s, ann *out, train_report *rep)
{
    const size_t d = s->d, K = s->n_classes, nw = d * K + K;
    size_t size[2] = {d, K};
    int st = ann_alloc(out, 1, size);
    if (st != CIM_OK)
        return st;
    sm_ctx c = {.s = s, .C = p->C, .d = d, .K = K, .Z = xmalloc(s->n * K * sizeof(double))};
    gsl_multimin_function_fdf fn = {.f = sm_f, .df = sm_df, .fdf = sm_fdf, .n = nw, .params = &c};
    gsl_vector *x0 = gsl_vector_calloc(nw); /* sklearn starts from zero too */
    gsl_multimin_fdfminimizer *m = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, nw);
    if (x0 == NULL || m == NULL) {
        gsl_vector_free(x0);
        free(c.Z);
        return cim_error(CIM_ESIM, "train: out of memory for the minimiser");
    }
    /* First trial step 0.1 in the gradient's direction and line-search tolerance 0.1: GSL's advice for bfgs2. */
    gsl_multimin_fdfminimizer_set(m, &fn, x0, 0.1, 0.1);
    long long it = 0;
    int converged = 0, gs = GSL_SUCCESS;
    double gnorm = gsl_blas_dnrm2(gsl_multimin_fdfminimizer_gradient(m));
    while (!(converged = gnorm < p->tol) && it < p->max_iter) {
        gs = gsl_multimin_fdfminimizer_iterate(m);
        it++;
        gnorm = gsl_blas_dnrm2(gsl_multimin_fdfminimizer_gradient(m));
        if (gs != GSL_SUCCESS)
            break;
    }
    converged = gnorm < p->tol;
    const gsl_vector *x = gsl_multimin_fdfminimizer_x(m);
    for (size_t k = 0; k < d * K; k++)
        out->W[0][k] = gsl_vector_get(x, k);
    for (size_t k = 0; k < K; k++)
        out->b[0][k] = gsl_vector_get(x, d * K + k);
    if (rep)
        *rep = (train_report){.iterations = it, .objective = gsl_multimin_fdfminimizer_minimum(m), .grad_norm = gnorm,
                              .converged = converged};
    gsl_multimin_fdfminimizer_free(m);
    gsl_vector_free(x0);
    free(c.Z);
    /* The line search gives up (GSL_ENOPROG) only when no step lowers F any more: at the optimum to rounding,
     * which a gradient 100 x the tolerance still counts as; farther away it is a failure. */
    if (!converged && gs != GSL_SUCCESS && gnorm > 100 * p->tol) {
        ann_free(out);
        return cim_error(CIM_ESIM, "train: BFGS stopped after %lld iterations with gradient norm %g > tol (%g): %s", it,
                         gnorm, p->tol, gsl_strerror(gs));
    }
    return CIM_OK;
}

/* ---- one hidden layer by Adam ---------------------------------------------------------------------------------- */

typedef struct adam {
    double *m, *v;
} adam;

static void adam_step(double *w, const double *g, adam *s, size_t n, double lr_t, const train_params *p)
{
    for (size_t k = 0; k < n; k++) {
        s->m[k] = p->beta1 * s->m[k] + (1 - p->beta1) * g[k];
        s->v[k] = p->beta2 * s->v[k] + (1 - p->beta2) * g[k] * g[k];
        w[k] -= lr_t * s->m[k] / (sqrt(s->v[k]) + p->eps);
    }
}

static int fit_mlp(const train_params *p, const dataset *s, uint64_t seed, const char *stream, ann *out,
                   train_report *rep)
{
    const size_t n = s->n, d = s->d, H = (size_t)p->hidden, K = s->n_classes;
    size_t size[3] = {d, H, K};
    int st = ann_alloc(out, 2, size);
    if (st != CIM_OK)
        return st;
    char name[PARAM_STRING_MAX + 16];
    snprintf(name, sizeof name, "%s.init", stream);
    gsl_rng *ri = rng_alloc(seed, name);
    snprintf(name, sizeof name, "%s.shuffle", stream);
    gsl_rng *rs = rng_alloc(seed, name);
    /* Glorot-uniform weights and biases, layer by layer (sklearn draws both from the same bound). */
    for (size_t l = 0; l < 2; l++) {
        const double bound = sqrt(6.0 / (double)(size[l] + size[l + 1]));
        for (size_t k = 0; k < size[l] * size[l + 1]; k++)
            out->W[l][k] = bound * (2 * gsl_rng_uniform(ri) - 1);
        for (size_t k = 0; k < size[l + 1]; k++)
            out->b[l][k] = bound * (2 * gsl_rng_uniform(ri) - 1);
    }
    const size_t B = (size_t)p->batch < n ? (size_t)p->batch : n;
    size_t *order = xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    double *xb = xmalloc(B * d * sizeof *xb), *h = xmalloc(B * H * sizeof *h), *z = xmalloc(B * K * sizeof *z);
    double *dh = xmalloc(B * H * sizeof *dh);
    int *yb = xmalloc(B * sizeof *yb);
    double *g[4] = {xmalloc(d * H * sizeof(double)), xmalloc(H * sizeof(double)), xmalloc(H * K * sizeof(double)),
                    xmalloc(K * sizeof(double))};
    double *w[4] = {out->W[0], out->b[0], out->W[1], out->b[1]};
    const size_t nw[4] = {d * H, H, H * K, K};
    adam opt[4];
    for (int q = 0; q < 4; q++)
        opt[q] = (adam){xcalloc(nw[q], sizeof(double)), xcalloc(nw[q], sizeof(double))};
    long long t = 0;
    double epoch_loss = 0;
    for (long long e = 0; e < p->epochs; e++) {
        gsl_ran_shuffle(rs, order, n, sizeof *order);
        epoch_loss = 0;
        for (size_t i0 = 0; i0 < n; i0 += B) {
            const size_t m = n - i0 < B ? n - i0 : B;
            for (size_t r = 0; r < m; r++) {
                memcpy(xb + r * d, s->x + order[i0 + r] * d, d * sizeof *xb);
                yb[r] = s->y[order[i0 + r]];
            }
            layer_forward(out, 0, m, xb, h);
            layer_forward(out, 1, m, h, z);
            epoch_loss += logloss_delta(z, yb, m, K, 1.0 / (double)m); /* z is now dL/dz of the batch mean */
            /* Layer 2: gW2 = h^T dz + l2 W2 / m, gb2 = sum of dz; then dh = dz W2^T masked by the ReLU. */
            for (size_t k = 0; k < H * K; k++)
                g[2][k] = p->l2 * out->W[1][k] / (double)m;
            gemm(1, 0, H, K, m, 1.0, h, z, 1.0, g[2]);
            memset(g[3], 0, K * sizeof(double));
            for (size_t r = 0; r < m; r++)
                for (size_t k = 0; k < K; k++)
                    g[3][k] += z[r * K + k];
            gemm(0, 1, m, H, K, 1.0, z, out->W[1], 0.0, dh);
            for (size_t k = 0; k < m * H; k++)
                dh[k] = h[k] > 0 ? dh[k] : 0;
            for (size_t k = 0; k < d * H; k++)
                g[0][k] = p->l2 * out->W[0][k] / (double)m;
            gemm(1, 0, d, H, m, 1.0, xb, dh, 1.0, g[0]);
            memset(g[1], 0, H * sizeof(double));
            for (size_t r = 0; r < m; r++)
                for (size_t k = 0; k < H; k++)
                    g[1][k] += dh[r * H + k];
            t++;
            const double lr_t = p->lr * sqrt(1 - pow(p->beta2, (double)t)) / (1 - pow(p->beta1, (double)t));
            for (int q = 0; q < 4; q++)
                adam_step(w[q], g[q], &opt[q], nw[q], lr_t, p);
        }
        epoch_loss /= (double)n;
    }
    if (rep)
        *rep = (train_report){.iterations = t, .objective = epoch_loss, .grad_norm = 0, .converged = 1};
    for (int q = 0; q < 4; q++) {
        free(g[q]);
        free(opt[q].m);
        free(opt[q].v);
    }
    free(order), free(xb), free(h), free(z), free(dh), free(yb);
    rng_free(ri);
    rng_free(rs);
    return CIM_OK;
}

int train_fit(const train_params *p, const dataset *s, uint64_t seed, const char *stream, ann *out,
              train_report *rep)
{
    *out = (ann){0};
    if (rep)
        *rep = (train_report){0};
    if (s->n == 0 || s->d == 0 || s->n_classes < 2)
        return cim_error(CIM_EINVAL, "train: the training set needs samples, features and at least two classes "
                                     "(%zu samples, %zu features, %zu classes)",
                         s->n, s->d, s->n_classes);
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i] < 0 || (size_t)s->y[i] >= s->n_classes)
            return cim_error(CIM_EINVAL, "train: sample %zu has label %d, outside 0..%zu", i, s->y[i],
                             s->n_classes - 1);
    for (size_t k = 0; k < s->n * s->d; k++)
        if (!isfinite(s->x[k]))
            return cim_error(CIM_EINVAL, "train: feature %zu of sample %zu is not finite", k % s->d, k / s->d);
    for (size_t k = 0; train_spec[k].key != NULL; k++) {
        const param_spec *q = &train_spec[k];
        if (q->kind != PARAM_REAL && q->kind != PARAM_INT)
            continue;
        double v = q->kind == PARAM_REAL ? *(const double *)((const char *)p + q->offset)
                                         : (double)*(const long long *)((const char *)p + q->offset);
        if (!(v >= q->min && v <= q->max))
            return cim_error(CIM_ECONFIG, "%s (%g) must be in [%g, %g]", q->key, v, q->min, q->max);
    }
    cim_gsl_errors_off(); /* GSL must report, never abort */
    /* OpenBLAS's own threads would split the products differently with the core count, and with them the bits of
     * the result: keep it on this thread, as core/threads.h does for every caller of cim_set_threads. */
    cim_set_threads(cim_threads());
    switch (p->model) {
    case TRAIN_SOFTMAX:
        return fit_softmax(p, s, out, rep);
    case TRAIN_MLP:
        return fit_mlp(p, s, seed, stream ? stream : "train", out, rep);
    default:
        return cim_error(CIM_ECONFIG, "model (%d) is not one of the train.model choices", p->model);
    }
}

/* ---- the directory ---------------------------------------------------------------------------------------------- */

int ann_dir_make(const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return cim_error(CIM_EIO, "cannot make the folder %s: %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cim_error(CIM_EIO, "%s is not a folder", dir);
    return CIM_OK;
}

int ann_dir_write_matrix(const char *dir, const char *name, const double *a, size_t rows, size_t cols)
{
    strbuf b, path;
    strbuf_init(&b);
    strbuf_init(&path);
    strbuf_printf(&path, "%s/%s", dir, name);
    csv_format_matrix(&b, a, rows, cols);
    int st = afile_write_all(path.s, b.s, b.len);
    strbuf_destroy(&b);
    strbuf_destroy(&path);
    return st;
}

int ann_dir_write_text(const char *dir, const char *file, const char *text)
{
    strbuf b, path;
    strbuf_init(&b);
    strbuf_init(&path);
    strbuf_printf(&path, "%s/%s", dir, file);
    strbuf_puts(&b, text);
    if (b.len == 0 || b.s[b.len - 1] != '\n')
        strbuf_puts(&b, "\n");
    int st = afile_write_all(path.s, b.s, b.len);
    strbuf_destroy(&b);
    strbuf_destroy(&path);
    return st;
}

int ann_save(const ann *a, const char *dir)
{
    if (a->n_layers < 1)
        return cim_error(CIM_EINVAL, "ann_save: the network is empty");
    int st = ann_dir_make(dir);
    json_t *root = json_object(), *sizes = json_array(), *ws = json_array(), *bs = json_array();
    json_object_set_new(root, "kind", json_string("ann"));
    json_object_set_new(root, "activation", json_string("relu"));
    for (size_t l = 0; l <= a->n_layers; l++)
        json_array_append_new(sizes, json_integer((json_int_t)a->size[l]));
    for (size_t l = 0; l < a->n_layers && st == CIM_OK; l++) {
        char wn[32], bn[32];
        snprintf(wn, sizeof wn, "W%zu.csv", l + 1);
        snprintf(bn, sizeof bn, "b%zu.csv", l + 1);
        json_array_append_new(ws, json_string(wn));
        json_array_append_new(bs, json_string(bn));
        st = ann_dir_write_matrix(dir, wn, a->W[l], a->size[l], a->size[l + 1]);
        if (st == CIM_OK)
            st = ann_dir_write_matrix(dir, bn, a->b[l], 1, a->size[l + 1]);
    }
    json_object_set_new(root, "layer_sizes", sizes);
    json_object_set_new(root, "weights", ws);
    json_object_set_new(root, "biases", bs);
    if (st == CIM_OK) {
        char *text = json_dumps(root, JSON_INDENT(2));
        st = ann_dir_write_text(dir, "params.json", text);
        free(text);
    }
    json_decref(root);
    return st;
}

/* Reads file (a name inside dir) as a rows x cols matrix into a fresh array. */
static int read_matrix(const char *dir, const char *file, size_t rows, size_t cols, const char *what, double **out)
{
    strbuf path;
    strbuf_init(&path);
    strbuf_printf(&path, "%s/%s", dir, file);
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_NONE;
    o.want_cols = cols;
    o.quantity = what;
    csv_table t;
    int st = csv_read(path.s, &o, &t);
    if (st == CIM_OK && t.rows != rows)
        st = cim_error(CIM_EIO, "%s: %zu line%s of values; expected %zu (the layer sizes of params.json)", path.s,
                       t.rows, t.rows == 1 ? "" : "s", rows);
    if (st == CIM_OK) {
        *out = t.data;
        t.data = NULL;
    }
    csv_table_free(&t);
    strbuf_destroy(&path);
    return st;
}

/* The i-th string of array key in root, or NULL. */
static const char *json_str_at(json_t *root, const char *key, size_t i)
{
    json_t *a = json_object_get(root, key);
    return json_is_array(a) ? json_string_value(json_array_get(a, i)) : NULL;
}

int ann_load(ann *a, const char *dir)
{
    *a = (ann){0};
    strbuf path;
    strbuf_init(&path);
    strbuf_printf(&path, "%s/params.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path.s, 0, &err);
    int st = CIM_OK;
    if (root == NULL) {
        st = err.line > 0 ? cim_error(CIM_EIO, "%s:%d:%d: %s", path.s, err.line, err.column, err.text)
                          : cim_error(CIM_EIO, "cannot read %s: %s", path.s, err.text);
        strbuf_destroy(&path);
        return st;
    }
    const char *kind = json_string_value(json_object_get(root, "kind"));
    json_t *sizes = json_object_get(root, "layer_sizes");
    size_t L = json_is_array(sizes) ? json_array_size(sizes) : 0, size[ANN_MAX_LAYERS + 1];
    if (kind == NULL || strcmp(kind, "ann") != 0)
        st = cim_error(CIM_EIO, "%s: \"kind\" must be \"ann\" (a trained network of snn/train.h), got %s%s%s", path.s,
                       kind ? "\"" : "", kind ? kind : "none", kind ? "\"" : "");
    else if (json_object_get(root, "activation") != NULL &&
             (json_string_value(json_object_get(root, "activation")) == NULL ||
              strcmp(json_string_value(json_object_get(root, "activation")), "relu") != 0))
        st = cim_error(CIM_EIO, "%s: \"activation\" must be \"relu\"", path.s);
    else if (L < 2 || L > ANN_MAX_LAYERS + 1)
        st = cim_error(CIM_EIO, "%s: \"layer_sizes\" must list 2 to %d sizes (inputs first)", path.s,
                       ANN_MAX_LAYERS + 1);
    for (size_t l = 0; st == CIM_OK && l < L; l++) {
        json_t *v = json_array_get(sizes, l);
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000000)
            st = cim_error(CIM_EIO, "%s: layer_sizes[%zu] must be a positive integer", path.s, l);
        else
            size[l] = (size_t)json_integer_value(v);
    }
    if (st == CIM_OK)
        st = ann_alloc(a, L - 1, size);
    for (size_t l = 0; st == CIM_OK && l + 1 < L; l++) {
        const char *wn = json_str_at(root, "weights", l), *bn = json_str_at(root, "biases", l);
        if (wn == NULL || bn == NULL) {
            st = cim_error(CIM_EIO, "%s: \"weights\" and \"biases\" must each name %zu files, in layer order", path.s,
                           L - 1);
            break;
        }
        free(a->W[l]);
        free(a->b[l]);
        a->W[l] = a->b[l] = NULL;
        st = read_matrix(dir, wn, size[l], size[l + 1], "weight", &a->W[l]);
        if (st == CIM_OK)
            st = read_matrix(dir, bn, 1, size[l + 1], "bias", &a->b[l]);
    }
    if (st != CIM_OK)
        ann_free(a);
    json_decref(root);
    strbuf_destroy(&path);
    return st;
}
