/* numpy_ref's Threefry-2x32 stream, element by element: the words, the keep mask and dropout.
 *
 * Element i of a draw uses the counter start + i, split into (high, low) 32-bit words; its word is
 * b0 ^ b1 of threefry2x32(key, counter) (numpy_ref/random.py). Each range is walked in segments that
 * stay below the next multiple of 2**32, where the high word is constant and the low word counts up:
 * a loop the compiler vectorises, the rotations as single instructions where the CPU has them. The
 * rotation constants and the parity are numpy_ref.random's ROTATIONS and PARITY, written out; the
 * known-answer tests hold them to the reference.
 */
#include "common.h"

#define GRAIN (1 << 15) /* elements per thread at least: ~40 us of work, against ~20 us to start one */

struct stream {
  uint32_t k0, k1, bound; /* the key; keep an element iff its word < bound (torch_impl/keep.py) */
  uint64_t start;         /* the counter of element 0 */
  double scale;           /* dropout's s, exact in the computation dtype */
  const void *x;
  void *y;
};

static inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

#define ROUND(r) \
  x0 += x1;      \
  x1 = rotl(x1, r) ^ x0;
#define FOUR_ROUNDS(a, b, c, d) ROUND(a) ROUND(b) ROUND(c) ROUND(d)

static inline uint32_t stream_word(uint32_t k0, uint32_t k1, uint32_t hi, uint32_t lo) {
  uint32_t k2 = k0 ^ k1 ^ 0x1BD11BDAu;
  uint32_t x0 = hi + k0, x1 = lo + k1;
  FOUR_ROUNDS(13, 15, 26, 6) x0 += k1;
  x1 += k2 + 1;
  FOUR_ROUNDS(17, 29, 16, 24) x0 += k2;
  x1 += k0 + 2;
  FOUR_ROUNDS(13, 15, 26, 6) x0 += k0;
  x1 += k1 + 3;
  FOUR_ROUNDS(17, 29, 16, 24) x0 += k1;
  x1 += k2 + 4;
  FOUR_ROUNDS(13, 15, 26, 6) x0 += k2;
  x1 += k0 + 5;
  return x0 ^ x1;
}

/* A range function over elements [lo, hi) that runs ELEMENT with the word w of element j. The job's
 * fields are copied to locals first: a store through y (possibly bytes, which alias anything) would
 * otherwise oblige the compiler to reload them every iteration, and it would not vectorise. */
#define STREAM_KERNEL(NAME, X_T, Y_T, ELEMENT)                                   \
  static void NAME(const void *job, int64_t lo, int64_t hi) {             \
    const struct stream *s = job;                                                \
    const uint32_t k0 = s->k0, k1 = s->k1, bound = s->bound;                     \
    const double scale = s->scale;                                               \
    const X_T *x = s->x;                                                         \
    Y_T *y = s->y;                                                               \
    (void)bound, (void)scale, (void)x;                                           \
    for (int64_t i = lo; i < hi;) {                                              \
      uint64_t counter = s->start + (uint64_t)i;                                 \
      uint64_t room = ((uint64_t)1 << 32) - (counter & 0xFFFFFFFFu);             \
      int64_t end = (uint64_t)(hi - i) < room ? hi : i + (int64_t)room;          \
      uint32_t c_hi = (uint32_t)(counter >> 32), c_lo = (uint32_t)counter - (uint32_t)i; \
      for (int64_t j = i; j < end; j++) {                                        \
        uint32_t w = stream_word(k0, k1, c_hi, c_lo + (uint32_t)j);              \
        ELEMENT;                                                                 \
      }                                                                          \
      i = end;                                                                   \
    }                                                                            \
  }

STREAM_KERNEL(words_range, void, uint32_t, y[j] = w)
STREAM_KERNEL(keep_range, void, uint8_t, y[j] = w < bound)

/* where(keep, x·s, +0.0) in the computation dtype, rounded once to x's dtype (numpy_ref/dropout.py); the
 * product is formed for every element, so that the loop has no branch to keep it from vectorising */
#define DROPOUT(CT, LOAD, STORE) \
  CT v = (CT)LOAD(x[j]) * (CT)scale; \
  y[j] = STORE(w < bound ? v : (CT)0)
#define SAME(v) (v)
STREAM_KERNEL(dropout_f64, double, double, DROPOUT(double, SAME, SAME))
STREAM_KERNEL(dropout_f32, float, float, DROPOUT(float, SAME, SAME))
STREAM_KERNEL(dropout_bf16, uint16_t, uint16_t, DROPOUT(float, bf16_load, bf16_store))
STREAM_KERNEL(dropout_f16, uint16_t, uint16_t, DROPOUT(float, f16_load, f16_store))

void regref_words(uint32_t k0, uint32_t k1, uint64_t start, int64_t n, uint32_t *out, int threads) {
  struct stream s = {k0, k1, 0, start, 0.0, NULL, out};
  parallel_for(words_range, &s, n, GRAIN, threads);
}

void regref_keep(uint32_t k0, uint32_t k1, uint64_t start, int64_t n, uint32_t bound, uint8_t *out, int threads) {
  struct stream s = {k0, k1, bound, start, 0.0, NULL, out};
  parallel_for(keep_range, &s, n, GRAIN, threads);
}

void regref_dropout(int dtype, uint32_t k0, uint32_t k1, int64_t n, uint32_t bound, double scale, const void *x,
                    void *y, int threads) {
  static const range_fn kernels[4] = {dropout_f16, dropout_bf16, dropout_f32, dropout_f64};
  struct stream s = {k0, k1, bound, 0, scale, x, y};
  parallel_for(kernels[dtype], &s, n, GRAIN, threads);
}
