/* energy/tech.h -- the technology figures every energy and area estimate is priced with (config group `tech`).
 *
 * One place for the published per-operation energies and per-component areas, each a config key with its unit in
 * its name and its source in its doc string (docs/config.md#tech; provenance in docs/parameters.md#technology-figures):
 *
 *   digital arithmetic   Horowitz, ISSCC 2014, 45 nm at 0.9 V: integer add and multiply at 8 and 32 bits, float
 *                        add and multiply at 16 and 32 bits [Horowitz2014];
 *   memory access        the same table: one 64-bit access of an 8 kB, 32 kB and 1 MB SRAM and of DRAM
 *                        (e_dram_J takes the low end of the published 1.3-2.6 nJ);
 *   wires                on-chip wire energy per bit per mm and an off-chip link per bit, from the DARPA exascale
 *                        study as tabulated by Keckler [Keckler];
 *   CIM digital back end ISAAC's 16-bit shift-and-add, 0.021 pJ per operation and 60 um^2 (32 nm) [ISAAC2016];
 *   activation buffer    ISAAC's 64 kB eDRAM, 20.45 pJ per 256-bit access, so 79.9 fJ per bit (derived);
 *   distances            how far a weight and an activation travel on chip (illustrative, 1 mm);
 *   area                 feature size F, crossbar cell area in F^2 (4 F^2 without an access transistor, 48 F^2 for
 *                        1T1R) and SRAM cell area in F^2 (280 F^2), as NeuroSim V1.4 sets them [NeuroSim-V14-Param].
 *
 * Integer widths between and beyond the table's rows (stated model, exact at the published 8- and 32-bit rows):
 *   E_add(b)  = a0 + a1 b,    a1 = (E_add32 - E_add8) / (32 - 8),        a0 = E_add8 - 8 a1
 *   E_mult(b) = m0 + m2 b^2,  m2 = (E_mult32 - E_mult8) / (32^2 - 8^2),  m0 = E_mult8 - 64 m2
 *   E_mac(b)  = E_mult(b) + E_add(b)
 * An adder's carry chain grows linearly with the width, an array multiplier's partial-product array with its
 * square.  At 16 bits this gives 0.0533 pJ per add and 0.780 pJ per multiply (the published table has no 16-bit
 * integer row).  E_mac adds the accumulation at the operand width b, as the common reading 0.2 + 0.03 = 0.23 pJ
 * of an 8-bit MAC does; a wider accumulator costs more (a 32-bit add is 0.1 pJ).
 *
 * Memory energies per bit are the 64-bit access energy divided by access_bits (64); reads and writes are priced
 * alike (the published figures are reads).  The DRAM figure is taken as the whole cost of bringing a bit onto the
 * chip: the off-chip link energy (e_offchip_J_per_bit) is not added to it, so nothing is counted twice.
 *
 * Contract: no function here fails, allocates or prints; the check reports through cim_error naming the key.
 */
#ifndef CIM_ENERGY_TECH_H
#define CIM_ENERGY_TECH_H

#include "core/param.h"

#include <stddef.h>

/* Where a datum is stored (a memory level): the choices of baseline.memory and baseline.act_memory. */
enum tech_mem { TECH_SRAM_8KB, TECH_SRAM_32KB, TECH_SRAM_1MB, TECH_DRAM, TECH_BUFFER, TECH_N_MEM };
extern const char *const tech_mem_names[]; /* "sram_8kB", "sram_32kB", "sram_1MB", "dram", "buffer"; NULL-ended */

/* The `tech` configuration group. */
typedef struct tech_params {
    /* digital arithmetic, J per operation */
    double e_add8_J, e_add32_J;     /* integer add, 8 and 32 bits */
    double e_mult8_J, e_mult32_J;   /* integer multiply, 8 and 32 bits */
    double e_fadd16_J, e_fadd32_J;  /* floating-point add, 16 and 32 bits */
    double e_fmult16_J, e_fmult32_J; /* floating-point multiply, 16 and 32 bits */
    /* memory, J per access of access_bits bits */
    double e_sram_8kB_J, e_sram_32kB_J, e_sram_1MB_J, e_dram_J;
    long long access_bits;         /* the word the access energies are quoted for: 64 */
    /* movement */
    double e_wire_J_per_bit_mm;    /* on-chip wire, J per bit per mm */
    double e_offchip_J_per_bit;    /* off-chip link, J per bit */
    double e_buffer_J_per_bit;     /* the CIM design's activation buffer, J per bit accessed */
    double d_weight_mm;            /* on-chip distance from the weights' memory to the compute */
    double d_act_mm;               /* on-chip distance from the activations' memory (or buffer) to the compute */
    /* the CIM design's digital back end */
    double e_shift_add_J;          /* one 16-bit shift-and-add */
    /* area */
    double feature_size_m;         /* F */
    double cell_area_F2;           /* crossbar cell without an access transistor (1R, 1S1R) */
    double cell_area_1t1r_F2;      /* crossbar cell with an access transistor (1T1R) */
    double sram_cell_area_F2;      /* one SRAM bit */
    double shift_add_area_um2;     /* one 16-bit shift-and-add unit */
} tech_params;

extern const param_group tech_group;
tech_params tech_params_default(void);
/* CIM_EINVAL through cim_error, naming the key, when the integer interpolation would not stay positive down to
 * 1 bit or would fall with the width (e_add32_J below e_add8_J), or access_bits is not positive. */
int tech_params_check(const tech_params *t);

/* Integer arithmetic of `bits` bits (1..64), J per operation, by the model above. */
double tech_e_add_J(const tech_params *t, int bits);
double tech_e_mult_J(const tech_params *t, int bits);
double tech_e_mac_J(const tech_params *t, int bits);

/* Energy per bit of one access of level (enum tech_mem): the level's access energy / access_bits, or
 * e_buffer_J_per_bit for TECH_BUFFER; 0 for a level out of range. */
double tech_mem_J_per_bit(const tech_params *t, int level);
/* 1 for the levels off the chip (DRAM). */
int tech_mem_offchip(int level);

/* bits moved mm on chip: bits * e_wire_J_per_bit_mm * mm. */
double tech_wire_J(const tech_params *t, double bits, double mm);
/* bits over the off-chip link: bits * e_offchip_J_per_bit. */
double tech_offchip_J(const tech_params *t, double bits);

/* Areas, m^2: one crossbar cell (with_transistor: 1T1R), a rows x cols array of them, n_bits of SRAM, one
 * shift-and-add unit.  F^2 figures scale with feature_size_m squared; the shift-and-add area is as published. */
double tech_cell_area_m2(const tech_params *t, int with_transistor);
double tech_array_area_m2(const tech_params *t, size_t rows, size_t cols, int with_transistor);
double tech_sram_area_m2(const tech_params *t, double n_bits);
double tech_shift_add_area_m2(const tech_params *t);

#endif
