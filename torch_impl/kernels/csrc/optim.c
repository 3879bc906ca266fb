/* SGD and Adam steps in place, over every tensor of a parameter group, as numpy_ref computes them.
 *
 * Each element follows numpy_ref.sgd_step / numpy_ref.adam_step op for op: the scalars arrive as
 * doubles and are rounded once to the computation dtype (as dtype.type(...) does); each product and
 * sum is its own IEEE operation (no contraction: -ffp-contract=off); division and sqrt are IEEE's,
 * correctly rounded. The option flags are constant over a call, so the compiler hoists the branches
 * on them out of the loops. A table row per tensor holds its addresses, its length and its decay flag.
 */
#include <math.h>

#include "common.h"

#define GRAIN (1 << 15)
enum { NO_DECAY, COUPLED, DECOUPLED };

struct rows {
  const int64_t *table;
  int count, width; /* a row: `width - 2` addresses, then numel and the decay flag */
  void (*loop)(const void *job, const int64_t *row, int64_t lo, int64_t hi);
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

static void run_rows(struct rows *r, int threads) {
  int64_t total = 0;
  for (int t = 0; t < r->count; t++) total += r->table[(int64_t)t * r->width + r->width - 2];
  parallel_for(rows_range, r, total, GRAIN, threads);
}

struct sgd {
  struct rows rows;
  double lr, mu, one_minus_tau, lam, shrink;
  int decay_kind, maximize, momentum, first, nesterov;
};

struct adam {
  struct rows rows;
  double lr, beta1, one_minus_beta1, beta2, one_minus_beta2, correction1, correction2, eps, lam, shrink;
  int decay_kind, maximize, amsgrad;
};

/* d = ±g (+ λw coupled); w·(1 − lr·λ) decoupled: the decay piece both rules share. The flags are
 * selects rather than branches, so that each loop is one vectorised loop (both sides are computed;
 * the one not taken is dropped, IEEE exceptions being masked). */
#define DIRECTION(o, row, CT)                                                      \
  const int coupled = row[o->rows.width - 1] && o->decay_kind == COUPLED;          \
  const int decoupled = row[o->rows.width - 1] && o->decay_kind == DECOUPLED;      \
  const int maximize = o->maximize;                                                \
  const CT lam = (CT)o->lam, shrink = (CT)o->shrink;

#define STEP_D(CT, LOAD)               \
  CT w_c = LOAD(w[i]), d = LOAD(g[i]); \
  d = maximize ? -d : d;               \
  d = coupled ? d + lam * w_c : d;     \
  w_c = decoupled ? w_c * shrink : w_c;

/* MOMENTUM is a compile-time 0 or 1: without momentum the buffer is neither read nor written. */
#define SGD_LOOP(NAME, MOMENTUM, T, CT, LOAD, STORE)                                              \
  static void NAME(const void *job, const int64_t *row, int64_t lo, int64_t hi) {                 \
    const struct sgd *o = job;                                                                    \
    T *w = (T *)row[0], *b = (T *)row[2];                                                         \
    const T *g = (const T *)row[1];                                                               \
    DIRECTION(o, row, CT)                                                                         \
    const CT lr = (CT)o->lr, mu = (CT)o->mu, one_minus_tau = (CT)o->one_minus_tau;                \
    const int first = o->first, nesterov = o->nesterov;                                           \
    (void)b, (void)mu, (void)one_minus_tau, (void)first, (void)nesterov;                          \
    for (int64_t i = lo; i < hi; i++) {                                                           \
      STEP_D(CT, LOAD)                                                                            \
      if (MOMENTUM) {                                                                             \
        CT b_c = first ? d : mu * LOAD(b[i]) + one_minus_tau * d; /* torch: step 1 copies d */    \
        d = nesterov ? d + mu * b_c : b_c;                                                        \
        b[i] = STORE(b_c);                                                                        \
      }                                                                                           \
      w[i] = STORE(w_c - lr * d);                                                                 \
    }                                                                                             \
  }

/* NumPy's maximum: the first argument unless the second is larger; NaN from either side */
#define MAXIMUM(a, b) ((a) >= (b) || (a) != (a) ? (a) : (b))

/* AMSGRAD is a compile-time 0 or 1: without it v_max is neither read nor written. */
#define ADAM_LOOP(NAME, AMSGRAD, T, CT, LOAD, STORE, SQRT)                                        \
  static void NAME(const void *job, const int64_t *row, int64_t lo, int64_t hi) {                 \
    const struct adam *o = job;                                                                   \
    T *w = (T *)row[0], *m = (T *)row[2], *v = (T *)row[3], *v_max = (T *)row[4];                 \
    const T *g = (const T *)row[1];                                                               \
    DIRECTION(o, row, CT)                                                                         \
    const CT lr = (CT)o->lr, beta1 = (CT)o->beta1, one_minus_beta1 = (CT)o->one_minus_beta1;      \
    const CT beta2 = (CT)o->beta2, one_minus_beta2 = (CT)o->one_minus_beta2, eps = (CT)o->eps;    \
    const CT correction1 = (CT)o->correction1, correction2 = (CT)o->correction2;                  \
    (void)v_max;                                                                                  \
    for (int64_t i = lo; i < hi; i++) {                                                           \
      STEP_D(CT, LOAD)                                                                            \
      CT m_c = beta1 * LOAD(m[i]) + one_minus_beta1 * d;                                          \
      CT v_c = beta2 * LOAD(v[i]) + one_minus_beta2 * (d * d);                                    \
      CT v_top = v_c;                                                                             \
      if (AMSGRAD) {                                                                              \
        v_top = MAXIMUM(LOAD(v_max[i]), v_c);                                                     \
        v_max[i] = STORE(v_top);                                                                  \
      }                                                                                           \
      CT m_hat = m_c / correction1, v_hat = v_top / correction2;                                  \
      w[i] = STORE(w_c - lr * m_hat / (SQRT(v_hat) + eps));                                       \
      m[i] = STORE(m_c);                                                                          \
      v[i] = STORE(v_c);                                                                          \
    }                                                                                             \
  }

#define SAME(x) (x)

SGD_LOOP(sgd_f16_0, 0, uint16_t, float, f16_load, f16_store)
SGD_LOOP(sgd_f16_1, 1, uint16_t, float, f16_load, f16_store)
SGD_LOOP(sgd_bf16_0, 0, uint16_t, float, bf16_load, bf16_store)
SGD_LOOP(sgd_bf16_1, 1, uint16_t, float, bf16_load, bf16_store)
SGD_LOOP(sgd_f32_0, 0, float, float, SAME, SAME)
SGD_LOOP(sgd_f32_1, 1, float, float, SAME, SAME)
SGD_LOOP(sgd_f64_0, 0, double, double, SAME, SAME)
SGD_LOOP(sgd_f64_1, 1, double, double, SAME, SAME)
ADAM_LOOP(adam_f16_0, 0, uint16_t, float, f16_load, f16_store, sqrtf)
ADAM_LOOP(adam_f16_1, 1, uint16_t, float, f16_load, f16_store, sqrtf)
ADAM_LOOP(adam_bf16_0, 0, uint16_t, float, bf16_load, bf16_store, sqrtf)
ADAM_LOOP(adam_bf16_1, 1, uint16_t, float, bf16_load, bf16_store, sqrtf)
ADAM_LOOP(adam_f32_0, 0, float, float, SAME, SAME, sqrtf)
ADAM_LOOP(adam_f32_1, 1, float, float, SAME, SAME, sqrtf)
ADAM_LOOP(adam_f64_0, 0, double, double, SAME, SAME, sqrt)
ADAM_LOOP(adam_f64_1, 1, double, double, SAME, SAME, sqrt)

typedef void (*row_loop)(const void *, const int64_t *, int64_t, int64_t);

void regref_sgd(int dtype, const int64_t *table, int count, double lr, double mu, double one_minus_tau, double lam,
                double shrink, int decay_kind, int maximize, int momentum, int first, int nesterov, int threads) {
  static const row_loop loops[4][2] = {
      {sgd_f16_0, sgd_f16_1}, {sgd_bf16_0, sgd_bf16_1}, {sgd_f32_0, sgd_f32_1}, {sgd_f64_0, sgd_f64_1}};
  struct sgd o = {{table, count, 5, loops[dtype][momentum != 0]}, lr, mu, one_minus_tau, lam, shrink,
                  decay_kind, maximize, momentum, first, nesterov};
  run_rows(&o.rows, threads);
}

void regref_adam(int dtype, const int64_t *table, int count, double lr, double beta1, double one_minus_beta1,
                 double beta2, double one_minus_beta2, double correction1, double correction2, double eps, double lam,
                 double shrink, int decay_kind, int maximize, int amsgrad, int threads) {
  static const row_loop loops[4][2] = {
      {adam_f16_0, adam_f16_1}, {adam_bf16_0, adam_bf16_1}, {adam_f32_0, adam_f32_1}, {adam_f64_0, adam_f64_1}};
  struct adam o = {{table, count, 7, loops[dtype][amsgrad != 0]}, lr, beta1, one_minus_beta1, beta2, one_minus_beta2,
                   correction1, correction2, eps, lam, shrink, decay_kind, maximize, amsgrad};
  run_rows(&o.rows, threads);
}
