/* energy/tally.c -- see tally.h. */
#include "energy/tally.h"
#include "core/strbuf.h"

#include <math.h>
#include <string.h>

const energy_category_info energy_categories[ENERGY_N_CATEGORIES] = {
    [ENERGY_READ] = {"read", "array reads (delivered by the read sources into cells, access elements and wires)",
                     "array read"},
    [ENERGY_WRITE] = {"write", "programming pulses, in the selected cells", "pulse"},
    [ENERGY_VERIFY] = {"verify", "verify reads during write-and-verify programming", "cell read"},
    [ENERGY_DISTURB] = {"disturb", "half-select stress during programming, in the unselected cells", "cell-pulse"},
    [ENERGY_DAC] = {"dac", "input conversions (DACs)", "conversion"},
    [ENERGY_ADC] = {"adc", "output conversions (ADCs)", "conversion"},
    [ENERGY_SENSE] = {"sense", "sense amplifiers and integrators", "column read"},
    [ENERGY_DIGITAL] = {"digital", "shift-add, accumulation and other digital logic", "operation"},
    [ENERGY_NEURON] = {"neuron", "neuron state updates", "neuron update"},
    [ENERGY_ONCHIP] = {"onchip", "on-chip data movement", "bit"},
    [ENERGY_OFFCHIP] = {"offchip", "off-chip data movement", "bit"},
};

void energy_tally_zero(energy_tally *t) { memset(t, 0, sizeof *t); }

/* Neumaier's variant of Kahan summation: the rounding error of each addition goes to c, whichever of the two
 * operands is larger. */
static void neumaier(double *sum, double *comp, double x)
{
    double s = *sum + x;
    if (fabs(*sum) >= fabs(x))
        *comp += (*sum - s) + x;
    else
        *comp += (x - s) + *sum;
    *sum = s;
}

void energy_tally_add(energy_tally *t, int cat, double e_J, uint64_t n_events)
{
    if (cat < 0 || cat >= ENERGY_N_CATEGORIES)
        return;
    neumaier(&t->J[cat], &t->c[cat], e_J);
    t->n[cat] += n_events;
}

void energy_tally_merge(energy_tally *dst, const energy_tally *src)
{
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++) {
        neumaier(&dst->J[k], &dst->c[k], src->J[k]);
        neumaier(&dst->J[k], &dst->c[k], src->c[k]);
        dst->n[k] += src->n[k];
    }
}

void energy_tally_move(energy_tally *dst, energy_tally *src, int cat)
{
    if (cat < 0 || cat >= ENERGY_N_CATEGORIES)
        return;
    energy_tally one = {0};
    one.J[cat] = src->J[cat];
    one.c[cat] = src->c[cat];
    one.n[cat] = src->n[cat];
    energy_tally_merge(dst, &one);
    src->J[cat] = src->c[cat] = 0;
    src->n[cat] = 0;
}

double energy_tally_J(const energy_tally *t, int cat)
{
    return cat < 0 || cat >= ENERGY_N_CATEGORIES ? 0.0 : t->J[cat] + t->c[cat];
}

uint64_t energy_tally_n(const energy_tally *t, int cat)
{
    return cat < 0 || cat >= ENERGY_N_CATEGORIES ? 0 : t->n[cat];
}

double energy_tally_total_J(const energy_tally *t)
{
    double s = 0.0, c = 0.0;
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++)
        neumaier(&s, &c, energy_tally_J(t, k));
    return s + c;
}

json_t *energy_tally_json(const energy_tally *t)
{
    json_t *j = json_object();
    json_object_set_new(j, "total_J", json_real(energy_tally_total_J(t)));
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++) {
        double e = energy_tally_J(t, k);
        if (t->n[k] == 0 && e == 0.0)
            continue;
        json_t *c = json_pack("{s:f, s:I}", "energy_J", e, "events", (json_int_t)t->n[k]);
        json_object_set_new(c, "per_event_J", t->n[k] ? json_real(e / (double)t->n[k]) : json_null());
        json_object_set_new(j, energy_categories[k].name, c);
    }
    return j;
}

/* x J with an SI prefix, 4 significant digits. */
static void si_J(char *buf, size_t n, double x)
{
    static const char *const prefix[] = {"a", "f", "p", "n", "µ", "m", "", "k", "M"};
    double a = fabs(x);
    int k = 6;
    if (a != 0 && isfinite(a)) {
        k = 6 + (int)floor(log10(a) / 3);
        k = k < 0 ? 0 : k > 8 ? 8 : k;
    }
    snprintf(buf, n, "%.4g %sJ", x / pow(10.0, 3 * (k - 6)), prefix[k]);
}

void energy_tally_report(const energy_tally *t, const char *indent, strbuf *out)
{
    char e[32], per[32];
    for (int k = 0; k < ENERGY_N_CATEGORIES; k++) {
        double j = energy_tally_J(t, k);
        if (t->n[k] == 0 && j == 0.0)
            continue;
        si_J(e, sizeof e, j);
        if (t->n[k] == 0) /* energy whose events are not of the category's kind (spike messages, not bits) */
            strbuf_printf(out, "%s%-8s %-11s (events not counted as %ss)", indent, energy_categories[k].name, e,
                          energy_categories[k].event);
        else
            strbuf_printf(out, "%s%-8s %-11s %llu %s%s", indent, energy_categories[k].name, e,
                          (unsigned long long)t->n[k], energy_categories[k].event, t->n[k] == 1 ? "" : "s");
        if (t->n[k] > 0) {
            si_J(per, sizeof per, j / (double)t->n[k]);
            strbuf_printf(out, " (%s each)", per);
        }
        strbuf_printf(out, ": %s\n", energy_categories[k].what);
    }
    si_J(e, sizeof e, energy_tally_total_J(t));
    strbuf_printf(out, "%s%-8s %s\n", indent, "total", e);
}
