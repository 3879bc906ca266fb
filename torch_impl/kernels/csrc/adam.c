/* numpy_ref.adam_step in place over a parameter group: Adam with coupled L2 or AdamW, and AMSGrad. */
#include <math.h>

#include "rows.h"

struct adam {
  struct rows rows;
  struct decay decay;
  double lr, beta1, one_minus_beta1, beta2, one_minus_beta2, correction1, correction2, eps;
};

/* NumPy's maximum: the first argument unless the second is larger; NaN from either side */
#define MAXIMUM(a, b) ((a) >= (b) || (a) != (a) ? (a) : (b))
/* correctly rounded in the computation dtype */
#define SQRT(x) _Generic((x), float: sqrtf, double: sqrt)(x)

/* AMSGRAD is a compile-time 0 or 1: without it v_max is neither read nor written. */
#define ADAM_LOOP(NAME, AMSGRAD, T, CT, LOAD, STORE)                                            \
  static void NAME(const void *job, const int64_t *row, int64_t lo, int64_t hi) {               \
    const struct adam *o = job;                                                                 \
    T *w = (T *)row[0], *m = (T *)row[2], *v = (T *)row[3], *v_max = (T *)row[4];               \
    const T *g = (const T *)row[1];                                                             \
    DECAY_SETUP(o->decay, row, o->rows.width, CT)                                               \
    const CT lr = (CT)o->lr, beta1 = (CT)o->beta1, one_minus_beta1 = (CT)o->one_minus_beta1;    \
    const CT beta2 = (CT)o->beta2, one_minus_beta2 = (CT)o->one_minus_beta2, eps = (CT)o->eps;  \
    const CT correction1 = (CT)o->correction1, correction2 = (CT)o->correction2;                \
    (void)v_max;                                                                                \
    for (int64_t i = lo; i < hi; i++) {                                                         \
      DIRECTION(CT, LOAD)                                                                       \
      CT m_c = beta1 * LOAD(m[i]) + one_minus_beta1 * d;                                        \
      CT v_c = beta2 * LOAD(v[i]) + one_minus_beta2 * (d * d);                                  \
      CT v_top = v_c;                                                                           \
      if (AMSGRAD) {                                                                            \
        v_top = MAXIMUM(LOAD(v_max[i]), v_c);                                                   \
        v_max[i] = STORE(v_top);                                                                \
      }                                                                                         \
      CT m_hat = m_c / correction1, v_hat = v_top / correction2;                                \
      w[i] = STORE(w_c - lr * m_hat / (SQRT(v_hat) + eps));                                     \
      m[i] = STORE(m_c);                                                                        \
      v[i] = STORE(v_c);                                                                        \
    }                                                                                           \
  }

FOR_EACH_DTYPE(ADAM_LOOP, adam)

/* table: rows of (param, grad, m, v, v_max, numel, decay flag); dtype as in cpu.py */
void regref_adam(int dtype, const int64_t *table, int count, double lr, double beta1, double one_minus_beta1,
                 double beta2, double one_minus_beta2, double correction1, double correction2, double eps, double lam,
                 double shrink, int decay_kind, int maximize, int amsgrad, int threads) {
  static const row_loop loops[4][2] = LOOP_TABLE(adam);
  struct adam o = {{table, count, 7, loops[dtype][amsgrad != 0]}, {lam, shrink, decay_kind, maximize}, lr, beta1,
                   one_minus_beta1, beta2, one_minus_beta2, correction1, correction2, eps};
  run_rows(&o.rows, threads);
}
