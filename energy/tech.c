/* energy/tech.c -- see tech.h for the figures, their sources and the width interpolation. */
#include "energy/tech.h"
#include "core/status.h"

#include <math.h>
#include <stddef.h>

const char *const tech_mem_names[] = {"sram_8kB", "sram_32kB", "sram_1MB", "dram", "buffer", NULL};

/* ---- configuration ------------------------------------------------------------------------------ */

#define R(field, lo, hi, dflt, unit, doc) PARAM_REAL_F(tech_params, field, lo, hi, dflt, unit, doc)

static const param_spec tech_spec[] = {
    R(e_add8_J, 0, 1e-9, 0.03e-12, "J", "8-bit integer add, 45 nm, 0.9 V [Horowitz2014]"),
    R(e_add32_J, 0, 1e-9, 0.1e-12, "J",
      "32-bit integer add; other widths linear in the bits through the two rows (derived: 0.053 pJ at 16 bits, "
      "a row the table lacks) [Horowitz2014]"),
    R(e_mult8_J, 0, 1e-9, 0.2e-12, "J", "8-bit integer multiply [Horowitz2014]"),
    R(e_mult32_J, 0, 1e-9, 3.1e-12, "J",
      "32-bit integer multiply; other widths quadratic in the bits through the two rows (derived: 0.78 pJ at 16 "
      "bits, a row the table lacks) [Horowitz2014]"),
    R(e_fadd16_J, 0, 1e-9, 0.4e-12, "J", "16-bit floating-point add [Horowitz2014]"),
    R(e_fadd32_J, 0, 1e-9, 0.9e-12, "J", "32-bit floating-point add [Horowitz2014]"),
    R(e_fmult16_J, 0, 1e-9, 1.1e-12, "J", "16-bit floating-point multiply [Horowitz2014]"),
    R(e_fmult32_J, 0, 1e-9, 3.7e-12, "J", "32-bit floating-point multiply [Horowitz2014]"),
    R(e_sram_8kB_J, 0, 1e-6, 10e-12, "J", "one access of access_bits (64) bits of an 8 kB SRAM cache [Horowitz2014]"),
    R(e_sram_32kB_J, 0, 1e-6, 20e-12, "J", "one 64-bit access of a 32 kB SRAM cache [Horowitz2014]"),
    R(e_sram_1MB_J, 0, 1e-6, 100e-12, "J", "one 64-bit access of a 1 MB SRAM cache [Horowitz2014]"),
    R(e_dram_J, 0, 1e-6, 1.3e-9, "J",
      "one 64-bit DRAM access, taken as the whole cost of bringing the bits on chip (chosen: the low end of the "
      "published 1.3-2.6 nJ, so the saving on data movement is not overstated) [Horowitz2014]"),
    PARAM_INT_F(tech_params, access_bits, 1, 4096, 64,
                "bits per access the memory energies above are quoted for (64 in the published table) [Horowitz2014]"),
    R(e_wire_J_per_bit_mm, 0, 1e-9, 18e-15, "J/(bit mm)",
      "on-chip wire energy per bit per mm (chosen: the low end of the published 18-110 fJ, so the saving on data "
      "movement is not overstated) [Keckler]"),
    R(e_offchip_J_per_bit, 0, 1e-6, 30e-12, "J/bit",
      "a standard off-chip link per bit, for off-chip traffic other than the DRAM accesses above [Keckler]"),
    R(e_buffer_J_per_bit, 0, 1e-6, 20.45e-12 / 256, "J/bit",
      "the CIM design's activation buffer per bit accessed: ISAAC's 64 kB eDRAM, 20.45 pJ per 256-bit access "
      "(derived: 79.9 fJ per bit; 32 nm) [ISAAC2016; hwc-isaac]"),
    R(d_weight_mm, 0, 1e3, 1.0, "mm",
      "on-chip distance a weight travels from its memory to the MAC units (illustrative)"),
    R(d_act_mm, 0, 1e3, 1.0, "mm",
      "on-chip distance an activation travels between its memory or buffer and the compute (illustrative)"),
    R(e_shift_add_J, 0, 1e-9, 0.021e-12, "J", "one 16-bit shift-and-add, 32 nm [ISAAC2016; hwc-isaac]"),
    R(feature_size_m, 1e-9, 1e-5, 45e-9, "m",
      "feature size F of the F^2 areas (convention: the 45 nm node of the energy table)"),
    R(cell_area_F2, 1, 1e4, 4, "F^2",
      "crossbar cell without an access transistor (1R, stacked 1S1R): 2F x 2F [NeuroSim-V14-Param]"),
    R(cell_area_1t1r_F2, 1, 1e4, 48, "F^2", "1T1R crossbar cell: 4F x 12F [NeuroSim-V14-Param]"),
    R(sram_cell_area_F2, 1, 1e5, 280, "F^2", "one SRAM bit: 10F x 28F, nodes above 14 nm [NeuroSim-V14-Param]"),
    R(shift_add_area_um2, 0, 1e6, 60, "um^2",
      "one 16-bit shift-and-add unit, 32 nm (an ISAAC in-situ MAC unit has four), not scaled with F "
      "[ISAAC2016; hwc-isaac]"),
    PARAM_END,
};

#undef R

static int tech_check_values(const void *v) { return tech_params_check(v); }

const param_group tech_group = {
    .path = "tech",
    .doc = "Technology figures the energy report prices its events with: digital arithmetic and memory accesses "
           "(45 nm), wire and off-chip energy per bit, the CIM design's activation buffer and shift-and-add, "
           "on-chip distances, and cell and component areas. The model is in energy/tech.h.",
    .params = tech_spec,
    .size = sizeof(tech_params),
    .check = tech_check_values,
};

tech_params tech_params_default(void)
{
    tech_params t;
    param_defaults(&tech_group, &t);
    return t;
}

/* The coefficients of the width models (tech.h). */
static void add_coef(const tech_params *t, double *a0, double *a1)
{
    *a1 = (t->e_add32_J - t->e_add8_J) / (32.0 - 8.0);
    *a0 = t->e_add8_J - 8.0 * *a1;
}

static void mult_coef(const tech_params *t, double *m0, double *m2)
{
    *m2 = (t->e_mult32_J - t->e_mult8_J) / (32.0 * 32.0 - 8.0 * 8.0);
    *m0 = t->e_mult8_J - 64.0 * *m2;
}

int tech_params_check(const tech_params *t)
{
    if (!(t->e_add32_J >= t->e_add8_J))
        return cim_error(CIM_EINVAL, "e_add32_J (%g) must not be below e_add8_J (%g): the add energy grows with the "
                                     "width", t->e_add32_J, t->e_add8_J);
    if (!(t->e_mult32_J >= t->e_mult8_J))
        return cim_error(CIM_EINVAL, "e_mult32_J (%g) must not be below e_mult8_J (%g): the multiply energy grows "
                                     "with the width", t->e_mult32_J, t->e_mult8_J);
    double a0, a1, m0, m2;
    add_coef(t, &a0, &a1);
    mult_coef(t, &m0, &m2);
    if (!(a0 + a1 > 0))
        return cim_error(CIM_EINVAL, "e_add32_J (%g) must be below 31/7 e_add8_J (%g): the linear width model would "
                                     "give a 1-bit add no energy", t->e_add32_J, 31.0 / 7.0 * t->e_add8_J);
    if (!(m0 + m2 > 0))
        return cim_error(CIM_EINVAL, "e_mult32_J (%g) must be below 1023/63 e_mult8_J (%g): the quadratic width "
                                     "model would give a 1-bit multiply no energy", t->e_mult32_J,
                         1023.0 / 63.0 * t->e_mult8_J);
    if (t->access_bits < 1)
        return cim_error(CIM_EINVAL, "access_bits (%lld) must be positive", t->access_bits);
    return CIM_OK;
}

/* ---- arithmetic ---------------------------------------------------------------------------------- */

double tech_e_add_J(const tech_params *t, int bits)
{
    double a0, a1;
    add_coef(t, &a0, &a1);
    return a0 + a1 * bits;
}

double tech_e_mult_J(const tech_params *t, int bits)
{
    double m0, m2;
    mult_coef(t, &m0, &m2);
    return m0 + m2 * (double)bits * (double)bits;
}

double tech_e_mac_J(const tech_params *t, int bits) { return tech_e_mult_J(t, bits) + tech_e_add_J(t, bits); }

/* ---- memory and movement ---------------------------------------------------------------------------- */

double tech_mem_J_per_bit(const tech_params *t, int level)
{
    double w = (double)t->access_bits;
    switch (level) {
    case TECH_SRAM_8KB: return t->e_sram_8kB_J / w;
    case TECH_SRAM_32KB: return t->e_sram_32kB_J / w;
    case TECH_SRAM_1MB: return t->e_sram_1MB_J / w;
    case TECH_DRAM: return t->e_dram_J / w;
    case TECH_BUFFER: return t->e_buffer_J_per_bit;
    default: return 0.0;
    }
}

int tech_mem_offchip(int level) { return level == TECH_DRAM; }

double tech_wire_J(const tech_params *t, double bits, double mm) { return bits * t->e_wire_J_per_bit_mm * mm; }

double tech_offchip_J(const tech_params *t, double bits) { return bits * t->e_offchip_J_per_bit; }

/* ---- area ------------------------------------------------------------------------------------------ */

double tech_cell_area_m2(const tech_params *t, int with_transistor)
{
    double f2 = t->feature_size_m * t->feature_size_m;
    return (with_transistor ? t->cell_area_1t1r_F2 : t->cell_area_F2) * f2;
}

double tech_array_area_m2(const tech_params *t, size_t rows, size_t cols, int with_transistor)
{
    return (double)rows * (double)cols * tech_cell_area_m2(t, with_transistor);
}

double tech_sram_area_m2(const tech_params *t, double n_bits)
{
    return n_bits * t->sram_cell_area_F2 * t->feature_size_m * t->feature_size_m;
}

double tech_shift_add_area_m2(const tech_params *t) { return t->shift_add_area_um2 * 1e-12; }
