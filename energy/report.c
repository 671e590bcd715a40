/* energy/report.c -- see report.h for the quantities and the JSON layout. */
#include "energy/report.h"
#include "core/status.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double energy_movement_J(const energy_tally *t)
{
    return energy_tally_J(t, ENERGY_ONCHIP) + energy_tally_J(t, ENERGY_OFFCHIP);
}

static void machine(energy_machine *m, const energy_tally *t, uint64_t n_mac)
{
    m->tally = *t;
    m->total_J = energy_tally_total_J(t);
    m->movement_J = energy_movement_J(t);
    m->compute_J = m->total_J - m->movement_J;
    m->tops_per_W = m->total_J > 0 ? 2.0 * (double)n_mac / m->total_J / 1e12 : NAN;
}

int energy_report_make(energy_report *r, const energy_tally *design, uint64_t n_mac, double latency_s,
                       double area_m2, const energy_tally *von_neumann, const energy_tally *neuromorphic,
                       const baseline_params *bp)
{
    if (!(latency_s >= 0) || !isfinite(latency_s))
        return cim_error(CIM_EINVAL, "energy report: latency_s (%g) must be finite and not negative", latency_s);
    if (!(area_m2 >= 0) || !isfinite(area_m2))
        return cim_error(CIM_EINVAL, "energy report: area_m2 (%g) must be finite and not negative", area_m2);
    memset(r, 0, sizeof *r);
    r->n_mac = n_mac;
    machine(&r->design, design, n_mac);
    machine(&r->von_neumann, von_neumann, n_mac);
    machine(&r->neuromorphic, neuromorphic, n_mac);
    r->latency_s = latency_s;
    r->area_m2 = area_m2;
    r->tops = latency_s > 0 ? 2.0 * (double)n_mac / latency_s / 1e12 : NAN;
    r->tops_per_mm2 = latency_s > 0 && area_m2 > 0 ? r->tops / (area_m2 * 1e6) : NAN;
    r->saved_movement_J = r->von_neumann.movement_J - r->design.movement_J;
    r->saved_ratio = r->design.movement_J > 0 ? r->von_neumann.movement_J / r->design.movement_J : INFINITY;
    if (bp != NULL) {
        r->baseline = *bp;
        r->has_baseline = 1;
    }
    return CIM_OK;
}

/* ---- JSON ------------------------------------------------------------------------------------------ */

static json_t *real_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *machine_json(const energy_machine *m)
{
    json_t *j = json_object();
    json_object_set_new(j, "total_J", json_real(m->total_J));
    json_object_set_new(j, "movement_J", json_real(m->movement_J));
    json_object_set_new(j, "compute_J", json_real(m->compute_J));
    json_object_set_new(j, "efficiency_TOPS_per_W", real_or_null(m->tops_per_W));
    return j;
}

json_t *energy_report_json(const energy_report *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "n_mac", json_integer((json_int_t)r->n_mac));

    json_t *d = machine_json(&r->design);
    json_object_set_new(d, "latency_s", json_real(r->latency_s));
    json_object_set_new(d, "area_m2", json_real(r->area_m2));
    json_object_set_new(d, "throughput_TOPS", real_or_null(r->tops));
    json_object_set_new(d, "density_TOPS_per_mm2", real_or_null(r->tops_per_mm2));
    json_object_set_new(d, "tally", energy_tally_json(&r->design.tally));
    json_object_set_new(j, "design", d);

    json_t *vn = machine_json(&r->von_neumann);
    if (r->has_baseline) {
        json_object_set_new(vn, "memory", json_string(tech_mem_names[r->baseline.memory]));
        json_object_set_new(vn, "act_memory", json_string(tech_mem_names[r->baseline.act_memory]));
        json_object_set_new(vn, "mac", json_string(baseline_mac_names[r->baseline.mac]));
        json_object_set_new(vn, "batch", json_integer((json_int_t)r->baseline.batch));
    }
    json_object_set_new(vn, "tally", energy_tally_json(&r->von_neumann.tally));
    json_t *nm = machine_json(&r->neuromorphic);
    json_object_set_new(nm, "tally", energy_tally_json(&r->neuromorphic.tally));
    json_t *b = json_object();
    json_object_set_new(b, "von_neumann", vn);
    json_object_set_new(b, "neuromorphic", nm);
    json_object_set_new(j, "baseline", b);

    json_t *s = json_object();
    json_object_set_new(s, "movement_J", json_real(r->saved_movement_J));
    json_object_set_new(s, "ratio", real_or_null(r->saved_ratio));
    json_object_set_new(j, "saved", s);
    return j;
}

/* ---- text ------------------------------------------------------------------------------------------ */

/* x in unit with an SI prefix, 4 significant digits ("1.234 nJ"); "n/a" when x is not finite. */
static void si(char *buf, size_t n, double x, const char *unit)
{
    static const char *const prefix[] = {"a", "f", "p", "n", "µ", "m", "", "k", "M", "G", "T"};
    if (!isfinite(x)) {
        snprintf(buf, n, "n/a");
        return;
    }
    double a = fabs(x);
    int k = 6;
    if (a != 0) {
        k = 6 + (int)floor(log10(a) / 3);
        k = k < 0 ? 0 : k > 10 ? 10 : k;
    }
    snprintf(buf, n, "%.4g %s%s", x / pow(10.0, 3 * (k - 6)), prefix[k], unit);
}

static void row(strbuf *out, const char *name, const energy_machine *m)
{
    char t[32], c[32], mv[32];
    si(t, sizeof t, m->total_J, "J");
    si(c, sizeof c, m->compute_J, "J");
    si(mv, sizeof mv, m->movement_J, "J");
    strbuf_printf(out, "  %-14s %12s %12s %12s", name, t, c, mv);
    if (isfinite(m->tops_per_W))
        strbuf_printf(out, " %10.4g\n", m->tops_per_W);
    else
        strbuf_printf(out, " %10s\n", "n/a");
}

void energy_report_table(const energy_report *r, strbuf *out)
{
    char a[32];
    strbuf_printf(out, "energy for %llu MACs (%llu operations)\n", (unsigned long long)r->n_mac,
                  2ULL * (unsigned long long)r->n_mac);
    strbuf_printf(out, "  %-14s %12s %12s %12s %10s\n", "machine", "total", "compute", "movement", "TOPS/W");
    row(out, "design (CIM)", &r->design);
    row(out, "von Neumann", &r->von_neumann);
    row(out, "neuromorphic", &r->neuromorphic);
    si(a, sizeof a, r->saved_movement_J, "J");
    if (isfinite(r->saved_ratio))
        strbuf_printf(out, "saved on data movement against von Neumann: %s (%.4g x less)\n", a, r->saved_ratio);
    else
        strbuf_printf(out, "saved on data movement against von Neumann: %s (inf x: the design moves nothing)\n", a);
    si(a, sizeof a, r->latency_s, "s");
    strbuf_printf(out, "design: latency %s, area %.4g mm²", a, r->area_m2 * 1e6);
    if (isfinite(r->tops))
        strbuf_printf(out, ", %.4g TOPS", r->tops);
    if (isfinite(r->tops_per_mm2))
        strbuf_printf(out, ", %.4g TOPS/mm²", r->tops_per_mm2);
    strbuf_puts(out, "\n");
    if (r->has_baseline)
        strbuf_printf(out, "von Neumann: weights from %s, activations from %s, %s arithmetic, batch %lld\n",
                      tech_mem_names[r->baseline.memory], tech_mem_names[r->baseline.act_memory],
                      baseline_mac_names[r->baseline.mac], r->baseline.batch);
    strbuf_puts(out, "movement = onchip + offchip (wires, links, memory and buffer accesses); compute = the rest\n");
}

void energy_report_text(const energy_report *r, strbuf *out)
{
    energy_report_table(r, out);
    strbuf_puts(out, "design by category:\n");
    energy_tally_report(&r->design.tally, "  ", out);
    strbuf_puts(out, "von Neumann by category:\n");
    energy_tally_report(&r->von_neumann.tally, "  ", out);
    strbuf_puts(out, "neuromorphic by category:\n");
    energy_tally_report(&r->neuromorphic.tally, "  ", out);
}
