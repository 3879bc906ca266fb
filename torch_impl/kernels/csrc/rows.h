/* What the update rules share: a parameter group as a table of rows, and the decay piece.
 *
 * Each element follows numpy_ref.sgd_step / numpy_ref.adam_step op for op: the scalars arrive as
 * doubles and are rounded once to the computation dtype (as dtype.type(...) does); each product and
 * sum is its own IEEE operation (no contraction: -ffp-contract=off); division and sqrt are IEEE's,
 * correctly rounded. Tensors are updated in place.
 */
#ifndef REGREF_ROWS_H
#define REGREF_ROWS_H

#include "common.h"

#define GRAIN (1 << 15) /* elements per thread at least */
enum { NO_DECAY, COUPLED, DECOUPLED };

typedef void (*row_loop)(const void *job, const int64_t *row, int64_t lo, int64_t hi);

/* A row per tensor: `width - 2` addresses (the tensor, its gradient, its state's buffers), then its
 * numel and its decay flag (the decay mask). */
struct rows {
  const int64_t *table;
  int count, width;
  row_loop loop;
};

/* Where the decay enters (kind), λ and 1 − lr·λ, and whether the gradient is negated. */
struct decay {
  double lam, shrink;
  int kind, maximize;
};

/* The elements [lo, hi) of the group's tensors laid end to end, row by row. */
static void rows_range(const void *job, int64_t lo, int64_t hi) {
  const struct rows *r = job;
  int64_t offset = 0;
  for (int t = 0; t < r->count && offset < hi; t++) {
    const int64_t *row = r->table + (int64_t)t * r->width;
    int64_t n = row[r->width - 2];
    int64_t a = lo > offset ? lo - offset : 0, b = hi < offset + n ? hi - offset : n;
    if (a < b) r->loop(job, row, a, b);
    offset += n;
  }
}

/* Every row, split between up to `threads` threads (`r` is the first member of the job). */
static void run_rows(const struct rows *r, int threads) {
  int64_t total = 0;
  for (int t = 0; t < r->count; t++) total += r->table[(int64_t)t * r->width + r->width - 2];
  parallel_for(rows_range, r, total, GRAIN, threads);
}

/* d = ±g (+ λw coupled); w·(1 − lr·λ) decoupled: the decay piece of numpy_ref/weight_decay.py. The
 * flags are selects rather than branches, so that each loop is one vectorised loop (both sides are
 * computed and the one not taken dropped; IEEE exceptions are masked). */
#define DECAY_SETUP(dec, row, width, CT)                                        \
  const int coupled = row[width - 1] && (dec).kind == COUPLED;                  \
  const int decoupled = row[width - 1] && (dec).kind == DECOUPLED;              \
  const int maximize = (dec).maximize;                                          \
  const CT lam = (CT)(dec).lam, shrink = (CT)(dec).shrink;

#define DIRECTION(CT, LOAD)            \
  CT w_c = LOAD(w[i]), d = LOAD(g[i]); \
  d = maximize ? -d : d;               \
  d = coupled ? d + lam * w_c : d;     \
  w_c = decoupled ? w_c * shrink : w_c;

#define SAME(x) (x)

/* RULE_LOOP(name, flag, T, CT, LOAD, STORE) for each dtype and each value of a compile-time flag,
 * in the order of cpu.py's dtype codes. */
#define FOR_EACH_DTYPE(RULE_LOOP, rule)                                     \
  RULE_LOOP(rule##_f16_0, 0, uint16_t, float, f16_load, f16_store)         \
  RULE_LOOP(rule##_f16_1, 1, uint16_t, float, f16_load, f16_store)         \
  RULE_LOOP(rule##_bf16_0, 0, uint16_t, float, bf16_load, bf16_store)      \
  RULE_LOOP(rule##_bf16_1, 1, uint16_t, float, bf16_load, bf16_store)      \
  RULE_LOOP(rule##_f32_0, 0, float, float, SAME, SAME)                     \
  RULE_LOOP(rule##_f32_1, 1, float, float, SAME, SAME)                     \
  RULE_LOOP(rule##_f64_0, 0, double, double, SAME, SAME)                   \
  RULE_LOOP(rule##_f64_1, 1, double, double, SAME, SAME)

#define LOOP_TABLE(rule)                                                            \
  {{rule##_f16_0, rule##_f16_1},                                                    \
   {rule##_bf16_0, rule##_bf16_1},                                                  \
   {rule##_f32_0, rule##_f32_1},                                                    \
   {rule##_f64_0, rule##_f64_1}}

#endif
