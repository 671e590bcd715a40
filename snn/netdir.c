/* snn/netdir.c -- a spiking network from a directory (see snn/netdir.h for the format). */
#include "snn/netdir.h"
#include "core/csv.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- params.json --------------------------------------------------------------------------------------------- */

typedef struct jfile {
    const char *path;
    const char *text;
    json_t *root;
} jfile;

/* The line of the first `"key" :` in the text (1 if not found: the message still names the key). */
static size_t key_line(const jfile *f, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = strchr(f->text, '"'); p != NULL; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"')
            continue;
        const char *q = p + 2 + klen;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q != ':')
            continue;
        size_t line = 1;
        for (const char *c = f->text; c < p; c++)
            line += *c == '\n';
        return line;
    }
    return 1;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int missing(const jfile *f, const char *key, const char *what)
{
    return cim_error(CIM_EIO, "%s: missing key \"%s\" (%s)", f->path, key, what);
}

/* A number (integer or real) under key; *given = 0 and CIM_OK when optional and absent. */
static int get_real(const jfile *f, const char *key, const char *what, int required, double *out, int *given)
{
    json_t *v = json_object_get(f->root, key);
    if (given)
        *given = v != NULL;
    if (v == NULL)
        return required ? missing(f, key, what) : CIM_OK;
    if (!json_is_number(v))
        return cim_error(CIM_EIO, "%s:%zu: key \"%s\": expected a number (%s), got %s", f->path, key_line(f, key), key,
                         what, json_kind(v));
    *out = json_number_value(v);
    if (!isfinite(*out))
        return cim_error(CIM_EIO, "%s:%zu: key \"%s\": expected a finite number", f->path, key_line(f, key), key);
    return CIM_OK;
}

/* An integer in [lo, hi] (a real with an integer value is accepted). */
static int int_value(const jfile *f, const char *key, const json_t *v, long long lo, long long hi, long long *out)
{
    double x = json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : NAN;
    if (!json_is_number(v) || x != floor(x) || x < (double)lo || x > (double)hi) {
        char got[64];
        if (json_is_number(v))
            snprintf(got, sizeof got, "%.17g", x);
        else
            snprintf(got, sizeof got, "%s", json_kind(v));
        if (hi >= (long long)1e15)
            return cim_error(CIM_EIO, "%s:%zu: key \"%s\": expected an integer >= %lld, got %s", f->path,
                             key_line(f, key), key, lo, got);
        return cim_error(CIM_EIO, "%s:%zu: key \"%s\": expected an integer in [%lld, %lld], got %s", f->path,
                         key_line(f, key), key, lo, hi, got);
    }
    *out = (long long)x;
    return CIM_OK;
}

static int get_int(const jfile *f, const char *key, const char *what, int required, long long lo, long long hi,
                   long long *out)
{
    json_t *v = json_object_get(f->root, key);
    if (v == NULL)
        return required ? missing(f, key, what) : CIM_OK;
    return int_value(f, key, v, lo, hi, out);
}

/* alpha: the hex literal when given (checked against the decimal), else the decimal; *given = 0 when neither. */
static int get_alpha(const jfile *f, double *alpha, int *given)
{
    double dec = 0;
    int has_dec = 0;
    int st = get_real(f, "alpha", "the membrane decay per step", 0, &dec, &has_dec);
    if (st != CIM_OK)
        return st;
    json_t *h = json_object_get(f->root, "alpha_hex");
    *given = has_dec || h != NULL;
    if (h == NULL) {
        *alpha = dec;
    } else {
        if (!json_is_string(h))
            return cim_error(CIM_EIO, "%s:%zu: key \"alpha_hex\": expected a string holding a hexadecimal "
                                      "floating-point literal (\"0x1.e7078b0a726a6p-1\"), got %s",
                             f->path, key_line(f, "alpha_hex"), json_kind(h));
        const char *s = json_string_value(h);
        const char *p = s;
        while (*p == ' ')
            p++;
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        int hex = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'));
        if (!hex || end == p || *end != '\0' || errno == ERANGE || !isfinite(x))
            return cim_error(CIM_EIO, "%s:%zu: key \"alpha_hex\": \"%s\" is not a hexadecimal floating-point literal "
                                      "(such as \"0x1.e7078b0a726a6p-1\")",
                             f->path, key_line(f, "alpha_hex"), s);
        if (has_dec && x != dec)
            return cim_error(CIM_EIO, "%s:%zu: key \"alpha_hex\": %s is %.17g, but key \"alpha\" is %.17g: they must "
                                      "be the same number (the hex literal is the exact one)",
                             f->path, key_line(f, "alpha_hex"), s, x, dec);
        *alpha = x;
    }
    if (*given && !(*alpha > 0 && *alpha <= 1))
        return cim_error(CIM_EIO, "%s:%zu: key \"%s\": alpha (%.17g) must be in (0, 1]", f->path,
                         key_line(f, h ? "alpha_hex" : "alpha"), h ? "alpha_hex" : "alpha", *alpha);
    return CIM_OK;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    strbuf b;
    strbuf_init(&b);
    if (n == 0 || name[0] == '/')
        strbuf_puts(&b, name);
    else
        strbuf_printf(&b, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
    return b.s;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *text = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        void *p = text;
        xgrow(&p, &cap, n + 65536, 1);
        text = p;
        size_t got = fread(text + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

static int load_params(snn_netdir *d, const char *path)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (text == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", path, strerror(errno));
    d->params_fnv = rng_fnv1a64(RNG_FNV_OFFSET, text, len);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        free(text);
        return cim_error(CIM_EIO, "%s:%d:%d: not valid JSON: %s", path, je.line, je.column, je.text);
    }
    jfile f = {path, text, root};
    int st = CIM_OK;
    if (!json_is_object(root)) {
        st = cim_error(CIM_EIO, "%s: expected a JSON object of keys, got %s", path, json_kind(root));
        goto out;
    }
    neuron_params *p = &d->neuron;
    *p = neuron_params_default();
    p->type = NEURON_LIF;

    /* the decay: alpha (literal) or tau_m_ms with dt_ms */
    double alpha = 0, dt_ms = 0, tau_ms = 0;
    int has_alpha, has_dt, has_tau;
    if ((st = get_alpha(&f, &alpha, &has_alpha)) != CIM_OK ||
        (st = get_real(&f, "dt_ms", "the step, milliseconds", 0, &dt_ms, &has_dt)) != CIM_OK ||
        (st = get_real(&f, "tau_m_ms", "the membrane time constant, milliseconds", 0, &tau_ms, &has_tau)) != CIM_OK)
        goto out;
    if (has_dt && !(dt_ms > 0)) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"dt_ms\": the step (%g ms) must be > 0", path, key_line(&f, "dt_ms"),
                       dt_ms);
        goto out;
    }
    if (has_tau && !(tau_ms > 0)) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"tau_m_ms\": the membrane time constant (%g ms) must be > 0", path,
                       key_line(&f, "tau_m_ms"), tau_ms);
        goto out;
    }
    if (!has_alpha && !(has_dt && has_tau)) {
        st = cim_error(CIM_EIO, "%s: missing key \"alpha\" (the membrane decay per step; or give \"tau_m_ms\" and "
                                "\"dt_ms\", and alpha = exp(-dt_ms / tau_m_ms))",
                       path);
        goto out;
    }
    p->alpha = has_alpha ? alpha : 0;
    if (has_tau)
        p->tau_m_s = tau_ms * 1e-3;
    d->dt_s = has_dt ? dt_ms * 1e-3 : 0;

    /* the membrane */
    int has_rest, has_init;
    double v_rest = 0, v_init = 0;
    if ((st = get_real(&f, "v_th", "the threshold, volts", 1, &p->v_th_V, NULL)) != CIM_OK ||
        (st = get_real(&f, "v_reset", "the membrane after a spike, volts", 1, &p->v_reset_V, NULL)) != CIM_OK ||
        (st = get_real(&f, "v_rest", "the resting potential, volts", 0, &v_rest, &has_rest)) != CIM_OK ||
        (st = get_real(&f, "v_init", "the membrane at step 0, volts", 0, &v_init, &has_init)) != CIM_OK)
        goto out;
    p->v_rest_V = v_rest;
    p->v_init_V = has_init ? v_init : v_rest;
    json_t *reset = json_object_get(root, "reset");
    if (reset != NULL) {
        const char *r = json_is_string(reset) ? json_string_value(reset) : "";
        if (strcmp(r, "value") == 0)
            p->reset = NEURON_RESET_VALUE;
        else if (strcmp(r, "subtract") == 0)
            p->reset = NEURON_RESET_SUBTRACT;
        else {
            st = cim_error(CIM_EIO, "%s:%zu: key \"reset\": expected \"value\" or \"subtract\", got %s%s%s", path,
                           key_line(&f, "reset"), json_is_string(reset) ? "\"" : "",
                           json_is_string(reset) ? r : json_kind(reset), json_is_string(reset) ? "\"" : "");
            goto out;
        }
    } else
        p->reset = NEURON_RESET_VALUE;
    if (p->reset == NEURON_RESET_VALUE && !(p->v_reset_V < p->v_th_V)) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"v_reset\": the reset (%g V) must be below the threshold v_th (%g V)",
                       path, key_line(&f, "v_reset"), p->v_reset_V, p->v_th_V);
        goto out;
    }
    if (p->reset == NEURON_RESET_SUBTRACT && !(p->v_th_V > p->v_rest_V)) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"v_th\": the threshold (%g V) must be above v_rest (%g V) with reset "
                                "\"subtract\"",
                       path, key_line(&f, "v_th"), p->v_th_V, p->v_rest_V);
        goto out;
    }
    if ((st = get_int(&f, "t_ref_steps", "refractory steps after a spike", 1, 0, INT32_MAX, &p->t_ref_steps)) !=
        CIM_OK)
        goto out;

    /* the run and the shape */
    long long K = 0, delay = 0;
    if ((st = get_int(&f, "T_steps", "the number of steps", 1, 1, (long long)1e15, &d->T_steps)) != CIM_OK ||
        (st = get_int(&f, "K", "the number of input channels", 1, 1, UINT32_MAX, &K)) != CIM_OK ||
        (st = get_int(&f, "inter_layer_delay_steps", "0 or 1", 0, 0, 1, &delay)) != CIM_OK)
        goto out;
    d->delay_steps = (int)delay;
    json_t *ls = json_object_get(root, "layer_sizes");
    if (ls == NULL) {
        st = missing(&f, "layer_sizes", "the input channels K, then each layer's neurons");
        goto out;
    }
    if (!json_is_array(ls) || json_array_size(ls) < 2) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"layer_sizes\": expected an array of K and at least one layer's size, "
                                "got %s%s",
                       path, key_line(&f, "layer_sizes"), json_kind(ls),
                       json_is_array(ls) ? (json_array_size(ls) == 1 ? " of 1 entry" : " of 0 entries") : "");
        goto out;
    }
    d->n_layers = json_array_size(ls) - 1;
    d->sizes = xcalloc(d->n_layers + 1, sizeof *d->sizes);
    for (size_t l = 0; l <= d->n_layers; l++) {
        json_t *v = json_array_get(ls, l);
        double x = json_is_number(v) ? json_number_value(v) : NAN;
        if (!json_is_number(v) || x != floor(x) || x < 1 || x > UINT32_MAX) {
            char got[64];
            if (json_is_number(v))
                snprintf(got, sizeof got, "%.17g", x);
            else
                snprintf(got, sizeof got, "%s", json_kind(v));
            st = cim_error(CIM_EIO, "%s:%zu: key \"layer_sizes\": entry %zu is %s; expected an integer >= 1", path,
                           key_line(&f, "layer_sizes"), l, got);
            goto out;
        }
        d->sizes[l] = (size_t)x;
    }
    if ((long long)d->sizes[0] != K) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"layer_sizes\": its first entry (%zu) must be K (%lld), the input "
                                "channels",
                       path, key_line(&f, "layer_sizes"), d->sizes[0], K);
        goto out;
    }
    json_t *ws = json_object_get(root, "weights");
    if (ws == NULL) {
        st = missing(&f, "weights", "the weight files, in layer order");
        goto out;
    }
    if (!json_is_array(ws) || json_array_size(ws) != d->n_layers) {
        st = cim_error(CIM_EIO, "%s:%zu: key \"weights\": expected an array of %zu file name%s (one per layer of "
                                "layer_sizes), got %s%s",
                       path, key_line(&f, "weights"), d->n_layers, d->n_layers == 1 ? "" : "s", json_kind(ws),
                       json_is_array(ws) ? (json_array_size(ws) == 1 ? " of 1 entry" : " of a different length") : "");
        goto out;
    }
    d->w_path = xcalloc(d->n_layers, sizeof *d->w_path);
    for (size_t l = 0; l < d->n_layers; l++) {
        json_t *v = json_array_get(ws, l);
        if (!json_is_string(v) || json_string_value(v)[0] == '\0') {
            st = cim_error(CIM_EIO, "%s:%zu: key \"weights\": entry %zu is %s; expected a file name", path,
                           key_line(&f, "weights"), l, json_is_string(v) ? "empty" : json_kind(v));
            goto out;
        }
        d->w_path[l] = join(d->dir, json_string_value(v));
    }
out:
    json_decref(root);
    free(text);
    return st;
}

/* ---- weights and inputs -------------------------------------------------------------------------------------- */

static int load_weights(snn_netdir *d)
{
    d->w = xcalloc(d->n_layers, sizeof *d->w);
    d->w_fnv = xcalloc(d->n_layers, sizeof *d->w_fnv);
    for (size_t l = 0; l < d->n_layers; l++) {
        const size_t rows = d->sizes[l], cols = d->sizes[l + 1];
        csv_read_opts o = csv_opts_any();
        o.header = CSV_HEADER_NONE;
        o.quantity = "weight";
        o.unit = "V";
        o.want_cols = cols;
        csv_table t;
        int st = csv_read(d->w_path[l], &o, &t);
        if (st != CIM_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", cim_errmsg());
            return cim_error(st, "%s (layer %zu's weights: %zu sources x %zu targets, from layer_sizes)", msg, l + 1,
                             rows, cols);
        }
        if (t.rows != rows) {
            if (t.rows > rows)
                st = cim_error(CIM_EIO, "%s:%zu: row %zu of weights, but layer %zu has %zu sources (layer_sizes[%zu]); "
                                        "expected %zu rows",
                               d->w_path[l], t.line[rows], rows + 1, l + 1, rows, l, rows);
            else
                st = cim_error(CIM_EIO, "%s:%zu: the file ends after %zu row%s of weights; layer %zu has %zu sources "
                                        "(layer_sizes[%zu]), one row each",
                               d->w_path[l], t.line[t.rows - 1], t.rows, t.rows == 1 ? "" : "s", l + 1, rows, l);
            csv_table_free(&t);
            return st;
        }
        d->w[l] = t.data; /* taken */
        t.data = NULL;
        d->w_fnv[l] = t.fnv1a64;
        csv_table_free(&t);
    }
    return CIM_OK;
}

/* Lines that hold something (not blank, not only a comment). */
static size_t content_lines(const char *text, const char **first, size_t *first_len)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *hash = memchr(p, '#', len);
        size_t m = hash ? (size_t)(hash - p) : len;
        size_t k = 0;
        while (k < m && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
            k++;
        if (k < m) {
            if (n == 0) {
                *first = p + k;
                while (m > k && (p[m - 1] == ' ' || p[m - 1] == '\t' || p[m - 1] == '\r'))
                    m--;
                *first_len = m - k;
            }
            n++;
        }
        p = eol ? eol + 1 : p + len;
    }
    return n;
}

static int load_inputs(snn_netdir *d)
{
    const char *path = d->inputs_path;
    size_t len = 0;
    char *text = slurp(path, &len);
    if (text == NULL)
        return cim_error(CIM_EIO, "cannot read %s: %s", path, strerror(errno));
    d->inputs_fnv = rng_fnv1a64(RNG_FNV_OFFSET, text, len);
    const char *first = NULL;
    size_t first_len = 0;
    if (content_lines(text, &first, &first_len) == 1) { /* a header alone: no input spikes */
        char hdr[64];
        snprintf(hdr, sizeof hdr, "%.*s", (int)(first_len < 63 ? first_len : 63), first);
        char *sp;
        while ((sp = strpbrk(hdr, " \t")) != NULL) /* "step, channel" */
            memmove(sp, sp + 1, strlen(sp));
        free(text);
        if (strcmp(hdr, "step,channel") != 0)
            return cim_error(CIM_EIO, "%s: expected the header line step,channel, got %s", path, hdr);
        d->in_step = xmalloc(sizeof *d->in_step);
        d->in_channel = xmalloc(sizeof *d->in_channel);
        return CIM_OK;
    }
    csv_read_opts o = csv_opts_any();
    o.header = CSV_HEADER_REQUIRED;
    o.want_cols = 2;
    csv_table t;
    int st = csv_parse(path, text, len, &o, &t);
    free(text);
    if (st != CIM_OK)
        return st;
    if (strcmp(t.header[0], "step") != 0 || strcmp(t.header[1], "channel") != 0) {
        st = cim_error(CIM_EIO, "%s: expected the header line step,channel, got %s,%s", path, t.header[0], t.header[1]);
        csv_table_free(&t);
        return st;
    }
    const double T = (double)d->T_steps, K = (double)d->sizes[0];
    d->in_step = xmalloc(t.rows * sizeof *d->in_step);
    d->in_channel = xmalloc(t.rows * sizeof *d->in_channel);
    d->n_in_spk = t.rows;
    double ps = -1, pc = -1;
    for (size_t r = 0; r < t.rows && st == CIM_OK; r++) {
        double s = t.data[2 * r], c = t.data[2 * r + 1];
        size_t line = t.line[r];
        if (s != floor(s) || c != floor(c))
            st = cim_error(CIM_EIO, "%s:%zu: column %s: %.17g is not an integer", path, line,
                           s != floor(s) ? "step" : "channel", s != floor(s) ? s : c);
        else if (s < 0 || s >= T)
            st = cim_error(CIM_EIO, "%s:%zu: column step: %.17g is outside [0, %lld] (T_steps = %lld)", path, line, s,
                           d->T_steps - 1, d->T_steps);
        else if (c < 0 || c >= K)
            st = cim_error(CIM_EIO, "%s:%zu: column channel: %.17g is outside [0, %zu] (K = %zu)", path, line, c,
                           d->sizes[0] - 1, d->sizes[0]);
        else if (s < ps || (s == ps && c <= pc))
            st = cim_error(CIM_EIO, "%s:%zu: (step %.17g, channel %.17g) after (step %.17g, channel %.17g): the lines "
                                    "must be sorted by step, then channel, each spike once",
                           path, line, s, c, ps, pc);
        else {
            d->in_step[r] = (long long)s;
            d->in_channel[r] = (uint32_t)c;
            ps = s;
            pc = c;
        }
    }
    csv_table_free(&t);
    return st;
}

/* ---- the network --------------------------------------------------------------------------------------------- */

int snn_netdir_load(snn_netdir *d, const char *dir)
{
    memset(d, 0, sizeof *d);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return cim_error(CIM_EIO, "network directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return cim_error(CIM_EIO, "network directory %s: not a folder (it holds params.json, the weight CSVs and "
                                  "inputs.csv)",
                         dir);
    d->dir = xstrdup(dir);
    d->params_path = join(dir, "params.json");
    d->inputs_path = join(dir, "inputs.csv");
    int st = load_params(d, d->params_path);
    if (st == CIM_OK)
        st = load_weights(d);
    if (st == CIM_OK)
        st = load_inputs(d);
    if (st == CIM_OK) {
        neuron_derived nd;
        st = neuron_derive(&d->neuron, d->dt_s, &nd); /* every value was checked above under the file's names */
        if (st != CIM_OK)
            st = cim_error_prefix(CIM_EIO, "%s: ", d->params_path);
    }
    if (st != CIM_OK)
        snn_netdir_free(d);
    return st;
}

void snn_netdir_free(snn_netdir *d)
{
    for (size_t l = 0; l < d->n_layers; l++) {
        if (d->w)
            free(d->w[l]);
        if (d->w_path)
            free(d->w_path[l]);
    }
    free(d->w);
    free(d->w_path);
    free(d->w_fnv);
    free(d->sizes);
    free(d->in_step);
    free(d->in_channel);
    free(d->params_path);
    free(d->inputs_path);
    free(d->dir);
    memset(d, 0, sizeof *d);
}

int snn_netdir_network(const snn_netdir *d, snn_synapse_maker make, void *ctx, snn_net **out)
{
    *out = NULL;
    snn_layer_spec *ls = xcalloc(d->n_layers, sizeof *ls);
    int st = CIM_OK;
    for (size_t l = 0; l < d->n_layers && st == CIM_OK; l++) {
        ls[l].n = d->sizes[l + 1];
        ls[l].neuron = d->neuron;
        st = make(ctx, l + 1, d->sizes[l], d->sizes[l + 1], d->w[l], &ls[l].syn);
        if (st != CIM_OK)
            st = cim_error_prefix(st, "%s: layer %zu: ", d->w_path[l], l + 1);
    }
    if (st == CIM_OK) {
        snn_net_spec s = {d->sizes[0], d->n_layers, ls, d->dt_s, d->delay_steps};
        st = snn_net_new(out, &s);
    }
    for (size_t l = 0; l < d->n_layers; l++)
        snn_synapse_free(&ls[l].syn); /* only those not taken */
    free(ls);
    return st;
}

/* The first input spike at a step >= t (n_in_spk if none). */
static size_t first_at(const snn_netdir *d, long long t)
{
    size_t lo = 0, hi = d->n_in_spk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->in_step[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t snn_netdir_inputs(const snn_netdir *d, long long t, const uint32_t **ch)
{
    size_t a = first_at(d, t), b = first_at(d, t + 1);
    *ch = d->in_channel + a;
    return b - a;
}
