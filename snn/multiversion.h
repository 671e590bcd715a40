/* snn/multiversion.h -- SNN_MULTIVERSION marks the engine's hot loops (a row of W added per spike, the neurons' leak
 * and threshold passes) to be compiled twice, for AVX2 and for baseline x86-64, and picked at load time (GCC function
 * multiversioning, as crossbar/ideal.c does).  The vector width changes, not the arithmetic: the same IEEE additions
 * and multiplications in the same order (no FMA is enabled, and ISO C mode keeps GCC from contracting), so every
 * machine gets the same bits.  Off under AddressSanitizer and on other compilers and targets. */
#ifndef CIM_SNN_MULTIVERSION_H
#define CIM_SNN_MULTIVERSION_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define SNN_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define SNN_MULTIVERSION
#endif

#endif
