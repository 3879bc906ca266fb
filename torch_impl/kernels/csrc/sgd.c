/* numpy_ref.sgd_step in place over a parameter group: momentum, dampening, Nesterov, either decay. */
#include "rows.h"

struct sgd {
  struct rows rows;
  struct decay decay;
  double lr, mu, one_minus_tau;
  int first, nesterov;
};

/* MOMENTUM is a compile-time 0 or 1: without momentum the buffer is neither read nor written. */
#define SGD_LOOP(NAME, MOMENTUM, T, CT, LOAD, STORE)                                           \
  static void NAME(const void *job, const int64_t *row, int64_t lo, int64_t hi) {              \
    const struct sgd *o = job;                                                                 \
    T *w = (T *)row[0], *b = (T *)row[2];                                                      \
    const T *g = (const T *)row[1];                                                            \
    DECAY_SETUP(o->decay, row, o->rows.width, CT)                                              \
    const CT lr = (CT)o->lr, mu = (CT)o->mu, one_minus_tau = (CT)o->one_minus_tau;             \
    const int first = o->first, nesterov = o->nesterov;                                        \
    (void)b, (void)mu, (void)one_minus_tau, (void)first, (void)nesterov;                       \
    for (int64_t i = lo; i < hi; i++) {                                                        \
      DIRECTION(CT, LOAD)                                                                      \
      if (MOMENTUM) {                                                                          \
        CT b_c = first ? d : mu * LOAD(b[i]) + one_minus_tau * d; /* torch: step 1 copies d */ \
        d = nesterov ? d + mu * b_c : b_c;                                                     \
        b[i] = STORE(b_c);                                                                     \
      }                                                                                        \
      w[i] = STORE(w_c - lr * d);                                                              \
    }                                                                                          \
  }

FOR_EACH_DTYPE(SGD_LOOP, sgd)

/* table: rows of (param, grad, momentum buffer, numel, decay flag); dtype as in cpu.py */
void regref_sgd(int dtype, const int64_t *table, int count, double lr, double mu, double one_minus_tau, double lam,
                double shrink, int decay_kind, int maximize, int momentum, int first, int nesterov, int threads) {
  static const row_loop loops[4][2] = LOOP_TABLE(sgd);
  struct sgd o = {{table, count, 5, loops[dtype][momentum != 0]}, {lam, shrink, decay_kind, maximize}, lr, mu,
                  one_minus_tau, first, nesterov};
  run_rows(&o.rows, threads);
}
