/* exp/pcm_stat.c -- see pcm_stat.h. */
#include "exp/pcm_stat.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int increasing(const param_reals *r, const char *key)
{
    for (size_t i = 1; i < r->n; i++)
        if (!(r->v[i] > r->v[i - 1]))
            return cim_error(CIM_ECONFIG, "%s must increase: entry %zu (%g) follows %g", key, i, r->v[i], r->v[i - 1]);
    return CIM_OK;
}

static int pcm_stat_exp_check(const void *v)
{
    const pcm_stat_exp_params *p = v;
    int st = increasing(&p->x_targets, "x_targets");
    return st != CIM_OK ? st : increasing(&p->t_inference_s, "t_inference_s");
}

static const param_spec pcm_stat_exp_spec[] = {
    PARAM_REALS_F(pcm_stat_exp_params, x_targets, 0, 1, "[0.05, 0.1, 0.25, 0.5, 0.75, 1.0]", "1",
                  "target conductances G_T as fractions of pcm_stat g_max, increasing (0 = the idle device of a "
                  "differential pair)"),
    PARAM_REALS_F(pcm_stat_exp_params, t_inference_s, 0, 1e10, "[1.0, 60.0, 3600.0, 86400.0, 2592000.0, 31536000.0]",
                  "s",
                  "inference times after programming, increasing (default 1 s, 1 min, 1 h, 1 day, 30 days, 1 year)"),
    PARAM_INT_F(pcm_stat_exp_params, n_devices, 2, 1e7, 10000, "devices drawn per target"),
    PARAM_END,
};

const param_group pcm_stat_exp_group = {
    .path = "pcm_stat_exp",
    .doc = "The PCM inference characterisation (cimsim device --pcm-stat, after Joshi et al. 2020 Figs. 2-3): "
           "n_devices devices per target programmed once, then read at each inference time; statistics of G_P, "
           "nu and G(t), raw and with global drift compensation, next to the model's closed forms.",
    .params = pcm_stat_exp_spec,
    .size = sizeof(pcm_stat_exp_params),
    .check = pcm_stat_exp_check,
};

void pcm_stat_result_free(pcm_stat_result *r)
{
    double **arrays[] = {&r->x,      &r->g_t_S,  &r->t_s,     &r->g_prog_mean_S,      &r->g_prog_std_S,
                         &r->nu_mean, &r->nu_std, &r->g_mean_S, &r->g_std_S,            &r->alpha,
                         &r->sigma_prog_model_S,  &r->g_prog_mean_model_S,              &r->nu_mean_model,
                         &r->nu_std_model,        &r->q_s_model, &r->g_mean_model_S,    &r->read_factor};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        free(*arrays[k]);
    memset(r, 0, sizeof *r);
}

static double *vec(size_t n) { return xcalloc(n ? n : 1, sizeof(double)); }

/* E max(0, m + s N): the mean of the programmed conductance with its clip at 0. */
static double rectified_mean(double m, double s)
{
    if (!(s > 0))
        return fmax(m, 0.0);
    return m * gsl_cdf_ugaussian_P(m / s) + s * gsl_ran_ugaussian_pdf(m / s);
}

int exp_pcm_stat_run(const pcm_stat_params *m, const pcm_stat_exp_params *p, long long seed, pcm_stat_result *out,
                     progress *prog)
{
    size_t nt = p->x_targets.n, nk = p->t_inference_s.n, nd = (size_t)p->n_devices;
    memset(out, 0, sizeof *out);
    out->n_targets = nt;
    out->n_times = nk;
    out->n_devices = nd;
    out->g_max_S = pcm_stat_g_max_S(m);
    out->t0_s = pcm_stat_t0_s(m);
    out->t_read_s = pcm_stat_t_read_s(m);
    out->x = vec(nt);
    out->g_t_S = vec(nt);
    out->t_s = vec(nk);
    out->g_prog_mean_S = vec(nt);
    out->g_prog_std_S = vec(nt);
    out->nu_mean = vec(nt);
    out->nu_std = vec(nt);
    out->g_mean_S = vec(nt * nk);
    out->g_std_S = vec(nt * nk);
    out->alpha = vec(nk);
    out->sigma_prog_model_S = vec(nt);
    out->g_prog_mean_model_S = vec(nt);
    out->nu_mean_model = vec(nt);
    out->nu_std_model = vec(nt);
    out->q_s_model = vec(nt);
    out->g_mean_model_S = vec(nt * nk);
    out->read_factor = vec(nk);
    memcpy(out->t_s, p->t_inference_s.v, nk * sizeof(double));

    gsl_rng *r_prog = rng_alloc((uint64_t)seed, "pcm_stat.prog");
    gsl_rng *r_nu = rng_alloc((uint64_t)seed, "pcm_stat.nu");
    gsl_rng *r_read = rng_alloc((uint64_t)seed, "pcm_stat.read");
    double *g_t = vec(nd), *g_p = vec(nd), *nu = vec(nd), *g = vec(nd);
    double sum_ref = 0, *sum_now = vec(nk); /* compensation readouts: summed conductances */
    int st = CIM_OK;
    if (prog != NULL) /* one unit per target conductance */
        progress_start(prog, "pcm_stat", (double)nt, prog->sink, prog->ctx);
    for (size_t k = 0; k < nt && st == CIM_OK; k++) {
        progress_update(prog, (double)k);
        double x = p->x_targets.v[k], g_target = x * out->g_max_S;
        out->x[k] = x;
        out->g_t_S[k] = g_target;
        for (size_t i = 0; i < nd; i++)
            g_t[i] = g_target;
        if ((st = pcm_stat_program(m, g_t, nd, r_prog, r_nu, g_p, nu)) != CIM_OK)
            break;
        out->g_prog_mean_S[k] = gsl_stats_mean(g_p, 1, nd);
        out->g_prog_std_S[k] = gsl_stats_sd_m(g_p, 1, nd, out->g_prog_mean_S[k]);
        out->nu_mean[k] = gsl_stats_mean(nu, 1, nd);
        out->nu_std[k] = gsl_stats_sd_m(nu, 1, nd, out->nu_mean[k]);
        for (size_t i = 0; i < nd; i++)
            sum_ref += g_p[i];
        for (size_t j = 0; j < nk && st == CIM_OK; j++) {
            if ((st = pcm_stat_read(m, g_p, nu, nd, out->t_s[j], r_read, g)) != CIM_OK)
                break;
            double mean = gsl_stats_mean(g, 1, nd);
            out->g_mean_S[k * nk + j] = mean;
            out->g_std_S[k * nk + j] = gsl_stats_sd_m(g, 1, nd, mean);
            for (size_t i = 0; i < nd; i++)
                sum_now[j] += g[i];
        }
        /* The closed forms. */
        out->sigma_prog_model_S[k] = pcm_stat_sigma_prog_S(m, x);
        out->g_prog_mean_model_S[k] = rectified_mean(g_target, out->sigma_prog_model_S[k]);
        pcm_stat_nu_moments(m, x, &out->nu_mean_model[k], &out->nu_std_model[k]);
        out->q_s_model[k] = pcm_stat_q_s(m, x);
        for (size_t j = 0; j < nk; j++)
            out->g_mean_model_S[k * nk + j] =
                out->g_prog_mean_model_S[k] * pcm_stat_drift_factor_mean(m, x, out->t_s[j]);
    }
    for (size_t j = 0; j < nk && st == CIM_OK; j++) {
        out->read_factor[j] = pcm_stat_read_time_factor(m, out->t_s[j]);
        st = pcm_stat_gdc_alpha(sum_ref, sum_now[j], &out->alpha[j]);
    }
    free(g_t), free(g_p), free(nu), free(g), free(sum_now);
    rng_free(r_prog);
    rng_free(r_nu);
    rng_free(r_read);
    if (st != CIM_OK)
        pcm_stat_result_free(out);
    return st;
}

json_t *exp_pcm_stat_summary(const pcm_stat_params *m, const pcm_stat_result *r)
{
    json_t *targets = json_array(), *times = json_array();
    for (size_t k = 0; k < r->n_targets; k++) {
        json_t *g = json_array(), *gc = json_array();
        for (size_t j = 0; j < r->n_times; j++) {
            size_t i = k * r->n_times + j;
            json_array_append_new(g, json_pack("{s:f, s:f, s:f}", "mean_S", r->g_mean_S[i], "std_S", r->g_std_S[i],
                                               "model_mean_S", r->g_mean_model_S[i]));
            json_array_append_new(gc, json_pack("{s:f, s:f}", "mean_S", r->alpha[j] * r->g_mean_S[i], "std_S",
                                                r->alpha[j] * r->g_std_S[i]));
        }
        json_array_append_new(
            targets,
            json_pack("{s:f, s:f, s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}, s:f, s:o, s:o}", "x", r->x[k],
                      "g_target_S", r->g_t_S[k], "programmed", "mean_S", r->g_prog_mean_S[k], "std_S",
                      r->g_prog_std_S[k], "model_mean_S", r->g_prog_mean_model_S[k], "model_sigma_prog_S",
                      r->sigma_prog_model_S[k], "nu", "mean", r->nu_mean[k], "std", r->nu_std[k], "model_mean",
                      r->nu_mean_model[k], "model_std", r->nu_std_model[k], "q_s_model", r->q_s_model[k], "G_t", g,
                      "G_t_compensated", gc));
    }
    for (size_t j = 0; j < r->n_times; j++)
        json_array_append_new(times, json_pack("{s:f, s:f, s:f}", "t_s", r->t_s[j], "alpha", r->alpha[j],
                                               "read_factor", r->read_factor[j]));
    return json_pack("{s:s, s:f, s:f, s:f, s:I, s:s, s:o, s:o}", "variant", pcm_stat_variant_names[m->variant],
                     "g_max_S", r->g_max_S, "t0_s", r->t0_s, "t_read_s", r->t_read_s, "n_devices",
                     (json_int_t)r->n_devices, "gdc_input", pcm_stat_gdc_names[m->gdc_input], "targets", targets,
                     "times", times);
}
