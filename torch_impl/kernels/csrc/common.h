/* What both kernel files share: a fork/join over an index range, and each dtype's load and store.
 *
 * Each .c file is built into a library of its own by torch_impl/kernels/clib.py, with -ffp-contract=off
 * (every product and sum its own IEEE operation, rounded as NumPy rounds it: no fused multiply-adds)
 * and without -ffast-math.
 */
#ifndef REGREF_COMMON_H
#define REGREF_COMMON_H

#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef void (*range_fn)(const void *job, int64_t lo, int64_t hi);

/* fn(job, lo, hi) over [0, n), split between up to `threads` OpenMP threads (torch.get_num_threads()),
 * each taking at least `grain` elements in whole cache lines (multiples of 64 elements).
 *
 * Built with -fopenmp, the library needs libgomp.so.1, which torch has loaded already: its parallel
 * regions run on the threads of torch's own pool, so the kernels neither start threads per call (whose
 * start waits for the scheduler, milliseconds on a loaded machine) nor compete with a second pool for
 * the cores. With threads = 1 (torch's setting in DataLoader workers and after a fork) no parallel
 * region is entered; without OpenMP everything runs on the calling thread. */
static void parallel_for(range_fn fn, const void *job, int64_t n, int64_t grain, int threads) {
  int64_t most = n / (grain > 0 ? grain : 1);
  if (threads > most) threads = (int)most;
#ifdef _OPENMP
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    {
      int64_t team = omp_get_num_threads(), piece = ((n + team - 1) / team + 63) & ~(int64_t)63;
      int64_t lo = omp_get_thread_num() * piece, hi = lo + piece < n ? lo + piece : n;
      if (lo < hi) fn(job, lo, hi);
    }
    return;
  }
#endif
  fn(job, 0, n);
}

/* Element types, numbered as in cpu.py: 0 float16, 1 bfloat16, 2 float32, 3 float64. The 16-bit types
 * compute in float32 (C11 of the contract) and round to nearest even on the way back, written out in
 * integer operations (no dependence on the compiler's _Float16). */

static inline float as_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static inline uint32_t as_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static inline float f16_load(uint16_t h) {
  /* exponent and mantissa moved into float32's fields, the bias raised from 15 to 127 (+112); inf and
   * NaN raised again to float32's all-ones exponent; a subnormal renormalised by one exact subtraction */
  uint32_t body = (uint32_t)(h & 0x7FFFu) << 13, exponent = body & 0x0F800000u;
  uint32_t tiny = as_bits(as_float(body + (113u << 23)) - as_float(113u << 23));
  uint32_t u = body + (112u << 23);
  u = exponent == 0x0F800000u ? u + (112u << 23) : u;
  u = exponent == 0 ? tiny : u;
  return as_float(u | (uint32_t)(h & 0x8000u) << 16);
}

static inline uint16_t f16_store(float f) {
  uint32_t u = as_bits(f), sign = (u >> 16) & 0x8000u, a = u & 0x7FFFFFFFu;
  /* normal: round the 13 dropped bits to nearest even, then rebias 127 → 15 (a carry moves the exponent) */
  uint32_t normal = (a + 0xFFFu + ((a >> 13) & 1u) - 0x38000000u) >> 13;
  /* below 2**-14: |f|·2**24 (exact, < 2**10) rounded to an integer, ties to even, is the subnormal's bits */
  float tiny = a < 0x38800000u ? as_float(a) : 0.0f;
  uint32_t whole = (uint32_t)(int32_t)((tiny * 0x1p24f + 0x1p23f) - 0x1p23f);
  uint32_t bits = a > 0x7F800000u   ? 0x7E00u | ((a >> 13) & 0x3FFu) /* NaN, quiet */
                  : a >= 0x477FF000u ? 0x7C00u                       /* 65520 and above round to inf */
                  : a >= 0x38800000u ? normal
                                     : whole;
  return (uint16_t)(sign | bits);
}

static inline float bf16_load(uint16_t h) { return as_float((uint32_t)h << 16); }

static inline uint16_t bf16_store(float f) {
  uint32_t u = as_bits(f);
  uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  uint32_t quiet = (u >> 16) | 0x40u; /* a NaN stays a NaN (its payload may differ: the contract allows it) */
  return (uint16_t)((u & 0x7FFFFFFFu) > 0x7F800000u ? quiet : rounded);
}

#endif
