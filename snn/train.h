/* snn/train.h -- offline training, in C, of the small artificial networks that snn/convert.h turns into spiking
 * ones (config group `train`), and the trained network itself (`ann`): its forward pass, accuracy, and its
 * directory on disk.
 *
 * The network: L dense layers, x -> a1 = relu(x W1 + b1) -> ... -> z = a_{L-1} W_L + b_L (the logits; the class is
 * the largest, ties to the lower index).  W_l is size[l-1] x size[l], row j = source j, column i = target i (the
 * orientation of the spiking network's weight files), b_l has size[l] entries.  The probabilities are
 * p = softmax(z), the loss of a sample of class y is the log-loss -log p_y = logsumexp(z) - z_y.
 *
 * Models (train.model):
 *   "softmax"  multinomial logistic regression (L = 1), the convex objective of scikit-learn's
 *              LogisticRegression (Pedregosa et al. 2011; sklearn 1.2 with the lbfgs solver):
 *                  F(W, b) = sum_i logloss_i + ||W||^2 / (2 C)        (the bias is not penalised)
 *              minimised full-batch, from zero, by GSL's BFGS (gsl_multimin_fdfminimizer_vector_bfgs2, Fletcher's
 *              line search) on F / n (same minimiser, gradient of order 1):
 *                  dF/dW = X^T (P - Y) + W / C,   dF/db = 1^T (P - Y)
 *              (P the n x K probabilities, Y the one-hot labels), until |grad(F / n)|_2 < tol or max_iter steps.
 *   "mlp"      one hidden ReLU layer (L = 2, 64-H-10), scikit-learn MLPClassifier's recipe: Glorot-uniform
 *              initial weights and biases, U(-s, s) with s = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010, the
 *              factor 6 sklearn uses for ReLU); mini-batches of `batch` samples in an order shuffled every epoch;
 *              per batch B the objective mean_B logloss + l2 ||W||^2 / (2 |B|) (biases not penalised); Adam
 *              (Kingma & Ba 2015) with step lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + eps); a fixed
 *              number of epochs (no early stopping, so the run is a pure function of its seed).
 * The algebra of both is GSL BLAS (gsl_blas_dgemm, OpenBLAS underneath, kept on the calling thread as core/threads.h
 * does, so that the bits do not depend on the core count).  Random draws (mlp only) come from the
 * named streams "<stream>.init" (the initial weights) and "<stream>.shuffle" (the epochs' orders), seeded from the
 * run seed (core/rng.h): the same seed gives the same network bit for bit.
 *
 * The directory of a trained network (ann_save / ann_load), laid out like the spiking network's directory
 * (snn/network.h; the weight files have the same orientation and number format):
 *   params.json   {"kind": "ann", "activation": "relu", "layer_sizes": [64, 32, 10], "weights": ["W1.csv", ...],
 *                  "biases": ["b1.csv", ...]}
 *   W<l>.csv      size[l-1] lines of size[l] values, no header, "%.17g" (reads back to the same doubles)
 *   b<l>.csv      one line of size[l] values
 * snn/convert.h writes the converted spiking network as a network directory proper (volts, a bias channel).
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure (file and line for a bad directory); never
 * prints.  Not thread-safe on one ann being trained; forward passes on a const ann are.
 */
#ifndef CIM_SNN_TRAIN_H
#define CIM_SNN_TRAIN_H

#include "core/param.h"
#include "snn/digits.h"

#include <stddef.h>
#include <stdint.h>

enum { TRAIN_SOFTMAX, TRAIN_MLP };
extern const char *const train_model_names[]; /* "softmax", "mlp"; NULL-terminated */

/* The config group `train`. */
typedef struct train_params {
    int model;            /* TRAIN_SOFTMAX or TRAIN_MLP */
    double C;             /* softmax: inverse L2 strength */
    double tol;           /* softmax: gradient norm of F / n at which BFGS stops */
    long long max_iter;   /* softmax: BFGS iterations at most */
    long long hidden;     /* mlp: hidden units H */
    long long epochs;     /* mlp: passes over the training set */
    long long batch;      /* mlp: samples per mini-batch (the last one of an epoch may be smaller) */
    double lr;            /* mlp: Adam's step */
    double l2;            /* mlp: L2 strength (sklearn's alpha) */
    double beta1, beta2;  /* mlp: Adam's decay rates of the first and second moments */
    double eps;           /* mlp: Adam's denominator floor */
} train_params;

extern const param_group train_group;
train_params train_params_default(void);

/* ---- the trained network ------------------------------------------------------------------------------------ */

#define ANN_MAX_LAYERS 4

typedef struct ann {
    size_t n_layers;                  /* L: weight layers (1 softmax, 2 mlp); 0 = empty */
    size_t size[ANN_MAX_LAYERS + 1];  /* size[0] inputs, size[l] units of layer l; size[L] classes */
    double *W[ANN_MAX_LAYERS];        /* W[l - 1]: size[l-1] x size[l], row-major */
    double *b[ANN_MAX_LAYERS];        /* b[l - 1]: size[l] */
} ann;

/* A network of n_layers layers of the given sizes (n_layers + 1 entries), weights and biases 0.  CIM_EINVAL for
 * n_layers outside 1..ANN_MAX_LAYERS or a zero size. */
int ann_alloc(ann *a, size_t n_layers, const size_t *size);
void ann_free(ann *a);

/* Forward pass of n samples x (n x size[0]): act[l] (n x size[l + 1], l = 0 .. L-1) gets layer l + 1's output,
 * ReLU for hidden layers and the logits for the last. */
void ann_forward(const ann *a, size_t n, const double *x, double *const *act);

/* The class of one sample (the largest logit, ties to the lower index). */
int ann_predict(const ann *a, const double *x);

/* Correct predictions on s (its d must be size[0]); the fraction is that over s->n. */
size_t ann_correct(const ann *a, const dataset *s);

/* Writes the directory dir (made if missing; each file written atomically), or reads it.  ann_load: CIM_EIO
 * naming the file (and line and column for a bad value), for a missing file, a kind other than "ann", sizes that
 * do not chain, a matrix of the wrong shape. */
int ann_save(const ann *a, const char *dir);
int ann_load(ann *a, const char *dir);
/* The pieces (snn/convert.h writes its network directory with them): make the folder dir unless it exists; write
 * rows x cols values as dir/file ("%.17g", no header), or a text (a final newline added if missing), atomically.
 * CIM_EIO naming the path. */
int ann_dir_make(const char *dir);
int ann_dir_write_matrix(const char *dir, const char *file, const double *a, size_t rows, size_t cols);
int ann_dir_write_text(const char *dir, const char *file, const char *text);

/* ---- training ----------------------------------------------------------------------------------------------- */

typedef struct train_report {
    long long iterations;  /* BFGS iterations (softmax) or Adam steps (mlp) */
    double objective;      /* softmax: F / n at the end; mlp: mean log-loss of the last epoch's batches */
    double grad_norm;      /* softmax: |grad(F / n)|_2 at the end; mlp: 0 */
    int converged;         /* softmax: 1 if the gradient test passed (0: max_iter reached, or the line search found
                            * no lower point within 100 tol of the test -- accepted, at the optimum to rounding);
                            * mlp: 1 */
} train_report;

/* Trains p->model on s (classes s->n_classes) into *out (allocated here; ann_free it).  seed and stream name the
 * random streams (mlp).  CIM_EINVAL for an empty set or a label outside 0 .. n_classes - 1, CIM_ECONFIG for
 * parameters out of range (the group's check), CIM_ESIM if the line search stalls with the gradient norm
 * above 100 tol (the message gives it).  rep may be NULL. */
int train_fit(const train_params *p, const dataset *s, uint64_t seed, const char *stream, ann *out,
              train_report *rep);

/* The softmax objective F / n of (W, b) = a on s and its gradient (for tests: finite differences against it).
 * gW (size[0] x K) and gb (K) may be NULL.  a must be one layer. */
double train_softmax_objective(const ann *a, const dataset *s, double C, double *gW, double *gb);

#endif
