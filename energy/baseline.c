/* energy/baseline.c -- see baseline.h for the formulas and their sources. */
#include "energy/baseline.h"
#include "core/status.h"

#include <math.h>
#include <stddef.h>

const char *const baseline_mac_names[] = {"int", "fp16", "fp32", NULL};

/* ---- configuration ------------------------------------------------------------------------------ */

static const param_spec baseline_spec[] = {
    PARAM_CHOICE_F(baseline_params, memory, tech_mem_names, TECH_SRAM_1MB,
                   "von Neumann: where the weights are fetched from (\"dram\" for a model larger than the chip; "
                   "chosen: on-chip SRAM, like the CIM design's on-chip weights)"),
    PARAM_CHOICE_F(baseline_params, act_memory, tech_mem_names, TECH_BUFFER,
                   "von Neumann: where the activations are read from and written to (chosen: \"buffer\", the CIM "
                   "design's own, so the two machines pay alike for activations)"),
    PARAM_CHOICE_F(baseline_params, mac, baseline_mac_names, BASELINE_MAC_INT,
                   "von Neumann arithmetic: integer at the operands' width, or 16/32-bit float [Horowitz2014]"),
    PARAM_INT_F(baseline_params, batch, 1, 1e12, 1,
                "von Neumann: vectors served by one fetch of the weights (convention: 1, one inference at a time)"),
    PARAM_REAL_F(baseline_params, e_sop_J, 0, 1e-6, 23.6e-12, "J",
                 "neuromorphic: one synaptic operation (Loihi, pre-silicon, 0.75 V; not 27.1 pJ) [Davies2018]"),
    PARAM_REAL_F(baseline_params, e_neuron_active_J, 0, 1e-6, 81e-12, "J",
                 "neuromorphic: one update of a neuron with input [Davies2018]"),
    PARAM_REAL_F(baseline_params, e_neuron_inactive_J, 0, 1e-6, 52e-12, "J",
                 "neuromorphic: one update of an idle neuron [Davies2018]"),
    PARAM_REAL_F(baseline_params, e_spike_J, 0, 1e-6, 1.7e-12, "J",
                 "neuromorphic: one spike message within a tile [Davies2018]"),
    PARAM_REAL_F(baseline_params, e_hop_J, 0, 1e-6, 3.0e-12, "J",
                 "neuromorphic: one tile-to-tile hop, east-west (north-south: 4.0 pJ) [Davies2018]"),
    PARAM_END,
};

static int baseline_check_values(const void *v) { return baseline_params_check(v); }

const param_group baseline_group = {
    .path = "baseline",
    .doc = "The machines the CIM design is compared with: a von Neumann processor that fetches its weights from a "
           "memory level, and a Loihi-class digital neuromorphic chip priced per synaptic operation and neuron "
           "update. The formulas are in energy/baseline.h.",
    .params = baseline_spec,
    .size = sizeof(baseline_params),
    .check = baseline_check_values,
};

baseline_params baseline_params_default(void)
{
    baseline_params p;
    param_defaults(&baseline_group, &p);
    return p;
}

int baseline_params_check(const baseline_params *p)
{
    if (p->memory < 0 || p->memory >= TECH_N_MEM || p->act_memory < 0 || p->act_memory >= TECH_N_MEM)
        return cim_error(CIM_EINVAL, "memory (%d) or act_memory (%d) is not a memory level", p->memory, p->act_memory);
    if (p->mac < BASELINE_MAC_INT || p->mac > BASELINE_MAC_FP32)
        return cim_error(CIM_EINVAL, "mac (%d) is not an arithmetic", p->mac);
    if (p->batch < 1)
        return cim_error(CIM_EINVAL, "batch (%lld) must be at least 1", p->batch);
    return CIM_OK;
}

/* ---- the work ------------------------------------------------------------------------------------ */

energy_work energy_work_mvm(size_t rows, size_t cols, uint64_t n_vectors, int w_bits, int x_bits, int y_bits)
{
    energy_work w = {0};
    w.n_mac = (uint64_t)rows * cols * n_vectors;
    w.n_weights = (uint64_t)rows * cols;
    w.w_bits = w_bits;
    w.n_inputs = (uint64_t)rows * n_vectors;
    w.x_bits = x_bits;
    w.n_outputs = (uint64_t)cols * n_vectors;
    w.y_bits = y_bits;
    w.n_vectors = n_vectors;
    w.n_layers = 1;
    return w;
}

/* ---- von Neumann --------------------------------------------------------------------------------- */

uint64_t baseline_fetch_rounds(const baseline_params *p, uint64_t n_vectors)
{
    uint64_t b = p->batch < 1 ? 1 : (uint64_t)p->batch;
    return n_vectors / b + (n_vectors % b != 0);
}

double baseline_mac_J(const baseline_params *p, const tech_params *t, const energy_work *w)
{
    switch (p->mac) {
    case BASELINE_MAC_FP16: return t->e_fmult16_J + t->e_fadd16_J;
    case BASELINE_MAC_FP32: return t->e_fmult32_J + t->e_fadd32_J;
    default: return tech_e_mac_J(t, w->w_bits > w->x_bits ? w->w_bits : w->x_bits);
    }
}

/* bits read from (or written to) level and carried mm on chip. */
static void move(const tech_params *t, int level, double bits, double mm, energy_tally *out)
{
    if (bits <= 0)
        return;
    double access = bits * tech_mem_J_per_bit(t, level), wire = tech_wire_J(t, bits, mm);
    if (tech_mem_offchip(level)) {
        energy_tally_add(out, ENERGY_OFFCHIP, access, (uint64_t)bits);
        energy_tally_add(out, ENERGY_ONCHIP, wire, (uint64_t)bits);
    } else {
        energy_tally_add(out, ENERGY_ONCHIP, access + wire, (uint64_t)bits);
    }
}

static double activation_bits(const energy_work *w)
{
    return (double)w->n_inputs * w->x_bits + (double)w->n_outputs * w->y_bits;
}

void baseline_von_neumann(const baseline_params *p, const tech_params *t, const energy_work *w, energy_tally *out)
{
    energy_tally_add(out, ENERGY_DIGITAL, (double)w->n_mac * baseline_mac_J(p, t, w), w->n_mac);
    double bits_w = (double)w->n_weights * w->w_bits * (double)baseline_fetch_rounds(p, w->n_vectors);
    move(t, p->memory, bits_w, t->d_weight_mm, out);
    move(t, p->act_memory, activation_bits(w), t->d_act_mm, out);
}

void baseline_cim_movement(const tech_params *t, const energy_work *w, energy_tally *out)
{
    move(t, TECH_BUFFER, activation_bits(w), t->d_act_mm, out);
}

/* ---- neuromorphic -------------------------------------------------------------------------------- */

neuro_counts neuro_counts_mvm(const uint64_t *q, size_t rows, size_t cols, int bits)
{
    neuro_counts c = {0};
    bits = bits < 0 ? 0 : bits > 32 ? 32 : bits; /* 2^32 steps times any column count fits 64 bits */
    uint64_t steps = ((uint64_t)1 << bits) - 1, sum = 0, max = 0;
    for (size_t i = 0; i < rows; i++) {
        uint64_t qi = q[i] > steps ? steps : q[i];
        sum += qi;
        max = qi > max ? qi : max;
    }
    c.n_spikes = sum;
    c.n_sop = sum * cols;
    c.n_active = max * cols;
    c.n_inactive = (steps - max) * cols;
    return c;
}

void neuro_counts_add(neuro_counts *dst, const neuro_counts *src)
{
    dst->n_sop += src->n_sop;
    dst->n_active += src->n_active;
    dst->n_inactive += src->n_inactive;
    dst->n_spikes += src->n_spikes;
    dst->n_hops += src->n_hops;
}

void baseline_neuromorphic(const baseline_params *p, const neuro_counts *c, energy_tally *out)
{
    energy_tally_add(out, ENERGY_DIGITAL, (double)c->n_sop * p->e_sop_J, c->n_sop);
    energy_tally_add(out, ENERGY_NEURON,
                     (double)c->n_active * p->e_neuron_active_J + (double)c->n_inactive * p->e_neuron_inactive_J,
                     c->n_active + c->n_inactive);
    double e_msg = (double)c->n_spikes * p->e_spike_J + (double)c->n_hops * p->e_hop_J;
    if (e_msg > 0)
        energy_tally_add(out, ENERGY_ONCHIP, e_msg, 0);
}
