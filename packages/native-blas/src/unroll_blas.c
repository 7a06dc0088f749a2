// OpenBLAS sgemm on memory owned by JavaScript (the tfjs wasm heap), through Node-API.
// The caller passes a typed array over that memory (HEAPU8) and byte offsets into it; nothing is
// copied. Row-major, as tfjs stores tensors. Also the few fused loops a training step needs next
// to sgemm (softmax cross-entropy, its gradient, column sums, the LSTM cell), so that the whole
// step stays in native code where the addon exists.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int);
extern char *openblas_get_config(void);

#define CHECK(call) if ((call) != napi_ok) { napi_throw_error(env, NULL, "unroll_blas: bad arguments"); return NULL; }

/** Base pointer and length of the typed array (or ArrayBuffer) in argument 0. */
static int heap_of(napi_env env, napi_value v, uint8_t **base, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok) return 0;
  if (is_ta) {
    napi_typedarray_type type; size_t n; void *data; napi_value ab; size_t off;
    if (napi_get_typedarray_info(env, v, &type, &n, &data, &ab, &off) != napi_ok || type != napi_uint8_array) return 0;
    *base = (uint8_t *)data; *len = n;
    return *base != NULL;
  }
  void *data; size_t n;
  if (napi_get_arraybuffer_info(env, v, &data, &n) != napi_ok) return 0;
  *base = (uint8_t *)data; *len = n;
  return *base != NULL;
}

// Threads: OpenBLAS splits even the small per-time-step products ([800, 200] x [200, 20]) over
// all its threads; waking them costs more than the product (measured: 0.5 ms instead of 0.15 ms
// per call on a loaded 2-core machine, 200 such calls per step). Products under this many
// multiply-adds run on one thread, larger ones on `max_threads`. The fused loops below split
// their rows over `max_threads` OpenMP threads (the same runtime OpenBLAS's threads use) when they
// touch more than PAR_MIN elements; smaller ones stay on the calling thread, where waking a
// sleeping thread would cost more than the loop.
#define SMALL_GEMM_MACS (16 * 1024 * 1024)
static int max_threads = 0; // 0: not read yet
static int blas_threads = 0; // what OpenBLAS is set to now

static void use_threads(int n) {
  if (max_threads == 0) max_threads = blas_threads = openblas_get_num_threads();
  if (n > max_threads) n = max_threads;
  if (n != blas_threads) { openblas_set_num_threads(n); blas_threads = n; }
}

#define PAR_MIN (256 * 1024)
/** Threads for a fused loop over `elements` floats. */
static int loop_threads(double elements) {
  if (max_threads == 0) max_threads = blas_threads = openblas_get_num_threads();
  return elements < PAR_MIN ? 1 : max_threads;
}

static double num(napi_env env, napi_value v) {
  double d = 0; napi_get_value_double(env, v, &d); return d;
}

// sgemm(heap, transA, transB, batch, M, N, K, alpha, aOff, aStride, bOff, bStride, beta, cOff, cStride)
// C_b = alpha op(A_b) op(B_b) + beta C_b for b < batch; offsets and strides in bytes (stride 0:
// the operand is shared by every batch). op(A) is [M, K], op(B) [K, N], C [M, N], all dense.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 15; napi_value a[15];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 15) { napi_throw_error(env, NULL, "unroll_blas.sgemm: expected 15 arguments"); return NULL; }
  uint8_t *heap; size_t len;
  if (!heap_of(env, a[0], &heap, &len)) { napi_throw_type_error(env, NULL, "unroll_blas.sgemm: heap must be a Uint8Array or ArrayBuffer"); return NULL; }
  bool ta, tb; CHECK(napi_get_value_bool(env, a[1], &ta)); CHECK(napi_get_value_bool(env, a[2], &tb));
  int64_t batch = (int64_t)num(env, a[3]), M = (int64_t)num(env, a[4]), N = (int64_t)num(env, a[5]), K = (int64_t)num(env, a[6]);
  float alpha = (float)num(env, a[7]);
  size_t aOff = (size_t)num(env, a[8]), aStride = (size_t)num(env, a[9]);
  size_t bOff = (size_t)num(env, a[10]), bStride = (size_t)num(env, a[11]);
  float beta = (float)num(env, a[12]);
  size_t cOff = (size_t)num(env, a[13]), cStride = (size_t)num(env, a[14]);
  size_t fs = sizeof(float);
  if (batch < 1 || M < 0 || N < 0 || K < 0 ||
      aOff + (batch - 1) * aStride + (size_t)(M * K) * fs > len ||
      bOff + (batch - 1) * bStride + (size_t)(K * N) * fs > len ||
      cOff + (batch - 1) * cStride + (size_t)(M * N) * fs > len ||
      aOff % fs || bOff % fs || cOff % fs) {
    napi_throw_range_error(env, NULL, "unroll_blas.sgemm: operands outside the heap or misaligned");
    return NULL;
  }
  if (M == 0 || N == 0) return NULL;
  use_threads((double)M * N * K < SMALL_GEMM_MACS ? 1 : max_threads);
  for (int64_t i = 0; i < batch; i++) {
    float *A = (float *)(heap + aOff + i * aStride), *B = (float *)(heap + bOff + i * bStride), *C = (float *)(heap + cOff + i * cStride);
    if (K == 0) { if (beta == 0) memset(C, 0, (size_t)(M * N) * fs); continue; }
    if (M == 1) { // a row vector times a matrix (generation's decoder): gemv streams B once
      cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, tb ? (blasint)N : (blasint)K, tb ? (blasint)K : (blasint)N, alpha, B, tb ? (blasint)K : (blasint)N, A, 1, beta, C, 1);
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (blasint)M, (blasint)N, (blasint)K, alpha, A, ta ? (blasint)M : (blasint)K, B, tb ? (blasint)K : (blasint)N,
                beta, C, (blasint)N);
  }
  return NULL;
}

// addRowVector(heap, cOff, rows, cols, biasOff): C[r, :] += bias[:] (the bias of a fused matMul).
static napi_value add_row_vector(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value a[5];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  uint8_t *heap; size_t len;
  if (argc != 5 || !heap_of(env, a[0], &heap, &len)) { napi_throw_type_error(env, NULL, "unroll_blas.addRowVector: bad arguments"); return NULL; }
  size_t cOff = (size_t)num(env, a[1]), rows = (size_t)num(env, a[2]), cols = (size_t)num(env, a[3]), bOff = (size_t)num(env, a[4]);
  if (cOff + rows * cols * 4 > len || bOff + cols * 4 > len || cOff % 4 || bOff % 4) { napi_throw_range_error(env, NULL, "unroll_blas.addRowVector: outside the heap"); return NULL; }
  float *C = (float *)(heap + cOff); const float *b = (const float *)(heap + bOff);
  #pragma omp parallel for schedule(static) num_threads(loop_threads((double)rows * cols))
  for (size_t r = 0; r < rows; r++) { float *row = C + r * cols; for (size_t j = 0; j < cols; j++) row[j] += b[j]; }
  return NULL;
}


#define F32(off) ((float *)(heap + (size_t)(off)))
#define I32(off) ((int32_t *)(heap + (size_t)(off)))
#define GET_ARGS(N, NAME) \
  size_t argc = N; napi_value a[N]; uint8_t *heap; size_t len; \
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc != N || !heap_of(env, a[0], &heap, &len)) { \
    napi_throw_type_error(env, NULL, "unroll_blas." NAME ": bad arguments"); return NULL; }
#define IN_HEAP(off, bytes, NAME) \
  if ((size_t)(off) % 4 || (size_t)(off) + (size_t)(bytes) > len) { napi_throw_range_error(env, NULL, "unroll_blas." NAME ": outside the heap"); return NULL; }

// e^x in float, vectorizable (glibc's expf is a call per element: 7M of them per softmax):
// x = k ln2 + r with |r| <= ln2/2 (Cody-Waite split), e^r by its Taylor series to r^6
// (relative error < 2e-7), 2^k by building the exponent bits. Inputs clamped to [-87, 88].
static inline float fast_expf(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float k = rintf(x * 1.44269504f);
  float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f + r * (8.3333338e-3f + r * 1.3888889e-3f)))));
  union { int32_t i; float f; } u;
  u.i = ((int32_t)k + 127) << 23;
  return p * u.f;
}
static inline float sigm(float x) { return 1.0f / (1.0f + fast_expf(-x)); }
static inline float fast_tanhf(float x) { return 1.0f - 2.0f / (fast_expf(2.0f * x) + 1.0f); }

// One LSTM step's pointwise maths (packages/core/src/kernels/lstm-cell.ts has the equations):
// xp, uh [4H, B] (gate blocks i, f, g, o), c [H, B] -> h, c' [H, B], acts [5H, B] = i, f, g, o, tanh c'.
static inline void lstm_forward(const float *restrict xp, const float *restrict uh, const float *restrict c, size_t n, float *restrict h, float *restrict cn, float *restrict acts) {
  for (size_t k = 0; k < n; k++) {
    float i = sigm(xp[k] + uh[k]), f = sigm(xp[n + k] + uh[n + k]), g = fast_tanhf(xp[2 * n + k] + uh[2 * n + k]), o = sigm(xp[3 * n + k] + uh[3 * n + k]);
    float cc = f * c[k] + i * g, tc = fast_tanhf(cc);
    cn[k] = cc; h[k] = o * tc;
    acts[k] = i; acts[n + k] = f; acts[2 * n + k] = g; acts[3 * n + k] = o; acts[4 * n + k] = tc;
  }
}

// Its gradient: acts, c (previous), dh, dc' -> dgates [4H, B] and dc [H, B]. All present (the loop
// vectorizes only without per-element branches).
static inline void lstm_backward(const float *restrict acts, const float *restrict c, const float *restrict dh, const float *restrict dcn, size_t n, float *restrict dg, float *restrict dcp) {
  for (size_t k = 0; k < n; k++) {
    float i = acts[k], f = acts[n + k], g = acts[2 * n + k], o = acts[3 * n + k], tc = acts[4 * n + k], dhk = dh[k];
    float dct = dcn[k] + dhk * o * (1 - tc * tc);
    dcp[k] = dct * f;
    dg[k] = dct * g * i * (1 - i);
    dg[n + k] = dct * c[k] * f * (1 - f);
    dg[2 * n + k] = dct * i * (1 - g * g);
    dg[3 * n + k] = dhk * tc * o * (1 - o);
  }
}

// softmaxXent(heap, zOff, yOff, n, v, pOff, nllOff): p = softmax(z) row-wise, nll_i = logsumexp(z_i) - z_i[y_i]
// (y_i outside [0, v): nll_i = logsumexp only). z, p: [n, v] float32; y: [n] int32; nll: [n].
static napi_value softmax_xent(napi_env env, napi_callback_info info) {
  GET_ARGS(7, "softmaxXent");
  size_t n = (size_t)num(env, a[3]), v = (size_t)num(env, a[4]);
  double zOff = num(env, a[1]), yOff = num(env, a[2]), pOff = num(env, a[5]), nllOff = num(env, a[6]);
  IN_HEAP(zOff, n * v * 4, "softmaxXent"); IN_HEAP(pOff, n * v * 4, "softmaxXent");
  IN_HEAP(yOff, n * 4, "softmaxXent"); IN_HEAP(nllOff, n * 4, "softmaxXent");
  const float *z = F32(zOff); float *p = F32(pOff), *nll = F32(nllOff); const int32_t *y = I32(yOff);
  #pragma omp parallel for schedule(static) num_threads(loop_threads((double)n * v))
  for (size_t i = 0; i < n; i++) {
    const float *zi = z + i * v; float *pi = p + i * v;
    // two passes over the row instead of three: the max and the sum of exponentials together
    // (block by block; the running sum is rescaled when a block raises the max), then p
    float m = -INFINITY, s = 0;
    for (size_t j0 = 0; j0 < v; j0 += 256) {
      size_t j1 = j0 + 256 < v ? j0 + 256 : v;
      float bm = -INFINITY;
      // omp simd: a max reduction vectorizes only with it (NaN rules; measured 10x on 7M floats)
      #pragma omp simd reduction(max : bm)
      for (size_t j = j0; j < j1; j++) bm = zi[j] > bm ? zi[j] : bm;
      if (bm > m) { s *= fast_expf(m - bm); m = bm; }
      float bs = 0;
      for (size_t j = j0; j < j1; j++) bs += fast_expf(zi[j] - m);
      s += bs;
    }
    float inv = 1.0f / s;
    for (size_t j = 0; j < v; j++) pi[j] = fast_expf(zi[j] - m) * inv;
    float lse = m + logf(s);
    int32_t t = y[i];
    nll[i] = (t >= 0 && (size_t)t < v) ? lse - zi[t] : lse;
  }
  return NULL;
}

// softmaxXentGrad(heap, pOff, coefOff, yOff, n, v, outOff): out[i, :] = p[i, :] c_i; out[i, y_i] -= c_i.
static napi_value softmax_xent_grad(napi_env env, napi_callback_info info) {
  GET_ARGS(7, "softmaxXentGrad");
  size_t n = (size_t)num(env, a[4]), v = (size_t)num(env, a[5]);
  double pOff = num(env, a[1]), cOff = num(env, a[2]), yOff = num(env, a[3]), outOff = num(env, a[6]);
  IN_HEAP(pOff, n * v * 4, "softmaxXentGrad"); IN_HEAP(outOff, n * v * 4, "softmaxXentGrad");
  IN_HEAP(cOff, n * 4, "softmaxXentGrad"); IN_HEAP(yOff, n * 4, "softmaxXentGrad");
  const float *p = F32(pOff), *coef = F32(cOff); float *out = F32(outOff); const int32_t *y = I32(yOff);
  #pragma omp parallel for schedule(static) num_threads(loop_threads((double)n * v))
  for (size_t i = 0; i < n; i++) {
    const float c = coef[i]; const float *pi = p + i * v; float *oi = out + i * v;
    for (size_t j = 0; j < v; j++) oi[j] = pi[j] * c;
    int32_t t = y[i];
    if (t >= 0 && (size_t)t < v) oi[t] -= c;
  }
  return NULL;
}

// sumRows(heap, xOff, rows, cols, outOff): out[j] = sum_r x[r, j] (a reduction over axis 0).
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  GET_ARGS(5, "sumRows");
  size_t rows = (size_t)num(env, a[2]), cols = (size_t)num(env, a[3]);
  double xOff = num(env, a[1]), outOff = num(env, a[4]);
  IN_HEAP(xOff, rows * cols * 4, "sumRows"); IN_HEAP(outOff, cols * 4, "sumRows");
  const float *x = F32(xOff); float *out = F32(outOff);
  #pragma omp parallel num_threads(loop_threads((double)rows * cols))
  { // each thread sums its own range of columns over all rows
    size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
    size_t j0 = cols * t / nt, j1 = cols * (t + 1) / nt;
    memset(out + j0, 0, (j1 - j0) * 4);
    for (size_t r = 0; r < rows; r++) { const float *xr = x + r * cols; for (size_t j = j0; j < j1; j++) out[j] += xr[j]; }
  }
  return NULL;
}


// lstmCell(heap, xpOff, uhOff, cOff, n, hOff, cNextOff, actsOff): see packages/core/src/kernels/lstm-cell.ts.
static napi_value lstm_cell(napi_env env, napi_callback_info info) {
  GET_ARGS(8, "lstmCell");
  size_t n = (size_t)num(env, a[4]);
  double xpOff = num(env, a[1]), uhOff = num(env, a[2]), cOff = num(env, a[3]), hOff = num(env, a[5]), cnOff = num(env, a[6]), actsOff = num(env, a[7]);
  IN_HEAP(xpOff, 16 * n, "lstmCell"); IN_HEAP(uhOff, 16 * n, "lstmCell"); IN_HEAP(cOff, 4 * n, "lstmCell");
  IN_HEAP(hOff, 4 * n, "lstmCell"); IN_HEAP(cnOff, 4 * n, "lstmCell"); IN_HEAP(actsOff, 20 * n, "lstmCell");
  lstm_forward(F32(xpOff), F32(uhOff), F32(cOff), n, F32(hOff), F32(cnOff), F32(actsOff));
  return NULL;
}

// lstmCellGrad(heap, actsOff, cOff, dhOff, dcOff (-1: none), n, dgatesOff (-1: none), dcPrevOff (-1: none)).
static napi_value lstm_cell_grad(napi_env env, napi_callback_info info) {
  GET_ARGS(8, "lstmCellGrad");
  size_t n = (size_t)num(env, a[5]);
  double actsOff = num(env, a[1]), cOff = num(env, a[2]), dhOff = num(env, a[3]), dcOff = num(env, a[4]), dgOff = num(env, a[6]), dcpOff = num(env, a[7]);
  IN_HEAP(actsOff, 20 * n, "lstmCellGrad"); IN_HEAP(cOff, 4 * n, "lstmCellGrad"); IN_HEAP(dhOff, 4 * n, "lstmCellGrad");
  if (dcOff >= 0) { IN_HEAP(dcOff, 4 * n, "lstmCellGrad"); }
  if (dgOff >= 0) { IN_HEAP(dgOff, 16 * n, "lstmCellGrad"); }
  if (dcpOff >= 0) { IN_HEAP(dcpOff, 4 * n, "lstmCellGrad"); }
  // absent inputs read zeros, unwanted outputs go to scratch
  float *zeros = dcOff >= 0 ? NULL : calloc(n, 4), *dg = dgOff >= 0 ? NULL : malloc(16 * n), *dcp = dcpOff >= 0 ? NULL : malloc(4 * n);
  if ((dcOff < 0 && !zeros) || (dgOff < 0 && !dg) || (dcpOff < 0 && !dcp)) { free(zeros); free(dg); free(dcp); napi_throw_error(env, NULL, "unroll_blas.lstmCellGrad: out of memory"); return NULL; }
  lstm_backward(F32(actsOff), F32(cOff), F32(dhOff), dcOff >= 0 ? F32(dcOff) : zeros, n, dgOff >= 0 ? F32(dgOff) : dg, dcpOff >= 0 ? F32(dcpOff) : dcp);
  free(zeros); free(dg); free(dcp);
  return NULL;
}

// The whole recurrence of one RNN layer in one call (the time loop of packages/core's
// cells/cell.ts runCell, without a round trip through TensorFlow.js per step), for the three
// cells of packages/core (kind): 0 LSTM (gates i, f, g, o), 1 GRU (r, z, n), 2 Elman tanh,
// 3 Elman relu. G gate blocks: 4, 3, 1, 1; saved activations per step: 5H, 4H, H, H (Elman: the
// new h before masking). A mask m [B, T] (1 token, 0 padding) keeps the state through padding:
// state_t = state_{t-1} + m (cell(...) - state_{t-1}), as cells/cell.ts's loop does; hs holds
// that carried state (the caller zeroes padded outputs).
// Batch-major, as the layer's input and output already are ([B, T, .]): no transposes around it.
// Each (b, t) row holds its gate blocks of H side by side, so the step functions below run on
// one row with n = H; the per-step products read h_{t-1} in place (leading dimension T*H).
enum { RNN_LSTM = 0, RNN_GRU = 1, RNN_TANH = 2, RNN_RELU = 3 };
static size_t rnn_gates(int kind) { return kind == RNN_LSTM ? 4 : kind == RNN_GRU ? 3 : 1; }
static size_t rnn_acts(int kind) { return kind == RNN_LSTM ? 5 : kind == RNN_GRU ? 4 : 1; }

/** x <- prev + m (x - prev) over n floats (m = 1: unchanged). */
static inline void blend(float *x, const float *prev, float m, size_t n) {
  if (m == 1.0f) return;
  for (size_t k = 0; k < n; k++) x[k] = prev[k] + m * (x[k] - prev[k]);
}

// GRU step: xp (with b_i) and hp = U h + b_h, 3 blocks of n; h -> h', acts = r, z, n, hn (4 blocks of n).
static inline void gru_forward(const float *restrict xp, const float *restrict hp, const float *restrict h, size_t n, float *restrict hn_out, float *restrict acts) {
  for (size_t k = 0; k < n; k++) {
    float r = sigm(xp[k] + hp[k]), z = sigm(xp[n + k] + hp[n + k]), hn = hp[2 * n + k];
    float c = fast_tanhf(xp[2 * n + k] + r * hn);
    hn_out[k] = (1 - z) * c + z * h[k];
    acts[k] = r; acts[n + k] = z; acts[2 * n + k] = c; acts[3 * n + k] = hn;
  }
}

// Its gradient: dxp = [dr~, dz~, dn~], dhp = [dr~, dz~, dn~ r], dh (direct path) = dh' z.
static inline void gru_backward(const float *restrict acts, const float *restrict h, const float *restrict dh, size_t n, float *restrict dxp, float *restrict dhp, float *restrict dhDirect) {
  for (size_t k = 0; k < n; k++) {
    float r = acts[k], z = acts[n + k], c = acts[2 * n + k], hn = acts[3 * n + k], d = dh[k];
    float dn = d * (1 - z) * (1 - c * c), dz = d * (h[k] - c) * z * (1 - z), dr = dn * hn * r * (1 - r);
    dxp[k] = dhp[k] = dr; dxp[n + k] = dhp[n + k] = dz; dxp[2 * n + k] = dn; dhp[2 * n + k] = dn * r;
    dhDirect[k] = d * z;
  }
}

// One layer's tensors (a forward or a backward pass), shared by the threads of a pass. The
// recurrence of each batch row is independent of the others, so each thread runs the whole time
// loop for its own rows (its own per-step products, [rows, H] x [H, G*H]); nothing is shared but
// the read-only inputs. dU (and GRU's db_h) are summed over all rows after the loop.
typedef struct {
  int kind; size_t T, H, B, GH;
  const float *xs, *U, *bh, *h0, *c0, *mask;
  float *hs, *cs, *acts;
  const float *dhs, *dcs; float *dxs, *duhAll, *hPrev, *dhCarry, *dcCarry; // the backward pass's
} RnnArgs;

/** Threads for a layer's loop: one per core when the batch has rows to share and the products are worth it. */
static int batch_threads(const RnnArgs *r) {
  if (max_threads == 0) max_threads = blas_threads = openblas_get_num_threads();
  double macs = (double)r->GH * r->H * r->B * r->T;
  return r->B >= 2 && macs >= 1024.0 * 1024 ? (max_threads < (int)r->B ? max_threads : (int)r->B) : 1;
}

/** The forward time loop for batch rows [b0, b1). Returns 1 when out of memory. */
static int rnn_forward_rows(const RnnArgs *r, size_t b0, size_t b1) {
  size_t T = r->T, H = r->H, GH = r->GH, nb = b1 - b0;
  if (nb == 0) return 0;
  float *uh = malloc(4 * GH * nb);
  if (!uh) return 1;
  for (size_t t = 0; t < T; t++) {
    // U h_{t-1} for these rows: [nb, H] x [H, G*H] (h_{t-1} read in place: rows T*H apart)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)nb, (blasint)GH, (blasint)H, 1.0f, t ? r->hs + (b0 * T + t - 1) * H : r->h0 + b0 * H, (blasint)(t ? T * H : H), r->U, (blasint)H, 0.0f, uh, (blasint)GH);
    for (size_t b = b0; b < b1; b++) {
      size_t row = b * T + t; // (b, t)
      const float *xp = r->xs + row * GH, *hp = t ? r->hs + (row - 1) * H : r->h0 + b * H;
      float *u = uh + (b - b0) * GH, *h = r->hs + row * H, m = r->mask[row];
      if (r->kind == RNN_LSTM) {
        const float *cp = t ? r->cs + (row - 1) * H : r->c0 + b * H;
        lstm_forward(xp, u, cp, H, h, r->cs + row * H, r->acts + row * 5 * H);
        blend(r->cs + row * H, cp, m, H);
      } else if (r->kind == RNN_GRU) {
        for (size_t c = 0; c < GH; c++) u[c] += r->bh[c];
        gru_forward(xp, u, hp, H, h, r->acts + row * 4 * H);
      } else {
        float *hn = r->acts + row * H;
        if (r->kind == RNN_TANH) for (size_t k = 0; k < H; k++) hn[k] = fast_tanhf(xp[k] + u[k]);
        else for (size_t k = 0; k < H; k++) { float v = xp[k] + u[k]; hn[k] = v > 0 ? v : 0; }
        memcpy(h, hn, 4 * H);
      }
      blend(h, hp, m, H);
    }
  }
  free(uh);
  return 0;
}

/** The backward time loop for batch rows [b0, b1): dxs (and GRU's duh) rows, the carries dh0, dc0. */
static int rnn_backward_rows(const RnnArgs *r, size_t b0, size_t b1) {
  size_t T = r->T, H = r->H, GH = r->GH, nb = b1 - b0;
  int lstm = r->kind == RNN_LSTM, gru = r->kind == RNN_GRU;
  if (nb == 0) return 0;
  memset(r->dhCarry + b0 * H, 0, 4 * H * nb);
  if (r->dcCarry) memset(r->dcCarry + b0 * H, 0, 4 * H * nb);
  float *dh = malloc(4 * H), *dc = malloc(4 * H), *dcPrev = malloc(4 * H);
  if (!dh || !dc || !dcPrev) { free(dh); free(dc); free(dcPrev); return 1; }
  for (size_t t = T; t-- > 0;) {
    for (size_t b = b0; b < b1; b++) {
      size_t row = b * T + t;
      const float *hp = r->hPrev + row * H, *dhr = r->dhs + row * H, m = r->mask[row];
      float *dx = r->dxs + row * GH, *carry = r->dhCarry + b * H;
      // state_t = state_{t-1} + m (new - state_{t-1}): the new state gets m dh, the old one (1 - m) dh directly
      for (size_t k = 0; k < H; k++) { float d = dhr[k] + carry[k]; dh[k] = m * d; carry[k] = (1 - m) * d; }
      if (lstm) { // the same split for c: the new c gets m dc, the old one (1 - m) dc directly
        const float *dcr = r->dcs + row * H; float *cc = r->dcCarry + b * H;
        for (size_t k = 0; k < H; k++) { float d = dcr[k] + cc[k]; dc[k] = m * d; cc[k] = (1 - m) * d; }
        lstm_backward(r->acts + row * 5 * H, t ? r->cs + (row - 1) * H : r->c0 + b * H, dh, dc, H, dx, dcPrev);
        for (size_t k = 0; k < H; k++) cc[k] += dcPrev[k];
      } else if (gru) {
        float *direct = dc; // dc: scratch here
        gru_backward(r->acts + row * 4 * H, hp, dh, H, dx, r->duhAll + row * GH, direct);
        for (size_t k = 0; k < H; k++) carry[k] += direct[k]; // + z (m dh)
      } else {
        const float *hn = r->acts + row * H;
        if (r->kind == RNN_TANH) for (size_t k = 0; k < H; k++) dx[k] = dh[k] * (1 - hn[k] * hn[k]);
        else for (size_t k = 0; k < H; k++) dx[k] = hn[k] > 0 ? dh[k] : 0;
      }
    }
    // dh_{t-1} = duh_t U for these rows, on top of the direct paths already in the carry
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)nb, (blasint)H, (blasint)GH, 1.0f, r->duhAll + (b0 * T + t) * GH, (blasint)(T * GH), r->U, (blasint)H, 1.0f, r->dhCarry + b0 * H, (blasint)H);
  }
  free(dh); free(dc); free(dcPrev);
  return 0;
}

// rnnSequence(heap, kind, xsOff, uOff, bhOff, h0Off, c0Off, mOff, T, H, B, hsOff, csOff, actsOff)
//   xs [B, T, G*H] input projections (with the biases that are outside the recurrence), U [G*H, H]
//   (weight_hh as stored), bh [G*H] (GRU: b_h, inside the recurrence; else -1), h0 [B, H],
//   c0 [B, H] (LSTM; else -1), m [B, T] -> hs [B, T, H], cs [B, T, H] (LSTM; else -1), acts [B, T, A*H]
static napi_value rnn_sequence(napi_env env, napi_callback_info info) {
  GET_ARGS(14, "rnnSequence");
  int kind = (int)num(env, a[1]);
  size_t T = (size_t)num(env, a[8]), H = (size_t)num(env, a[9]), B = (size_t)num(env, a[10]), n = H * B, G = rnn_gates(kind), A = rnn_acts(kind), GH = G * H;
  double xsOff = num(env, a[2]), uOff = num(env, a[3]), bhOff = num(env, a[4]), h0Off = num(env, a[5]), c0Off = num(env, a[6]), mOff = num(env, a[7]), hsOff = num(env, a[11]), csOff = num(env, a[12]), actsOff = num(env, a[13]);
  if (kind < RNN_LSTM || kind > RNN_RELU || (kind == RNN_LSTM) != (c0Off >= 0 && csOff >= 0) || (kind == RNN_GRU) != (bhOff >= 0) || actsOff < 0 || mOff < 0) {
    napi_throw_type_error(env, NULL, "unroll_blas.rnnSequence: inputs do not fit the cell kind"); return NULL;
  }
  IN_HEAP(xsOff, T * G * 4 * n, "rnnSequence"); IN_HEAP(uOff, 4 * GH * H, "rnnSequence"); IN_HEAP(h0Off, 4 * n, "rnnSequence"); IN_HEAP(hsOff, T * 4 * n, "rnnSequence");
  if (bhOff >= 0) { IN_HEAP(bhOff, 4 * GH, "rnnSequence"); }
  if (c0Off >= 0) { IN_HEAP(c0Off, 4 * n, "rnnSequence"); IN_HEAP(csOff, T * 4 * n, "rnnSequence"); }
  IN_HEAP(actsOff, T * A * 4 * n, "rnnSequence"); IN_HEAP(mOff, T * 4 * B, "rnnSequence");
  if (T == 0 || n == 0) return NULL;
  RnnArgs r = { .kind = kind, .T = T, .H = H, .B = B, .GH = GH, .xs = F32(xsOff), .U = F32(uOff), .bh = bhOff >= 0 ? F32(bhOff) : NULL, .h0 = F32(h0Off),
                .c0 = c0Off >= 0 ? F32(c0Off) : NULL, .mask = F32(mOff), .hs = F32(hsOff), .cs = csOff >= 0 ? F32(csOff) : NULL, .acts = F32(actsOff) };
  int failed = 0;
  use_threads(1); // the per-step products are small; the batch is split over threads instead
  #pragma omp parallel num_threads(batch_threads(&r)) reduction(| : failed)
  { size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num(); failed |= rnn_forward_rows(&r, B * id / nt, B * (id + 1) / nt); }
  if (failed) napi_throw_error(env, NULL, "unroll_blas.rnnSequence: out of memory");
  return NULL;
}

// Its gradient, backwards through time:
// rnnSequenceGrad(heap, kind, actsOff, csOff, hsOff, uOff, h0Off, c0Off, mOff, dhsOff, dcsOff, T, H, B, dxsOff, duOff, dbhOff, dh0Off, dc0Off)
//   dhs [B, T, H] and dcs [B, T, H] (LSTM; else -1): gradients of the outputs hs and cs
//   -> dxs [B, T, G*H], dU [G*H, H] = sum_(b,t) duh_bt^T h_b(t-1), dbh [G*H] (GRU; else -1), dh0, dc0 (LSTM; else -1) [B, H]
static napi_value rnn_sequence_grad(napi_env env, napi_callback_info info) {
  GET_ARGS(19, "rnnSequenceGrad");
  int kind = (int)num(env, a[1]);
  size_t T = (size_t)num(env, a[11]), H = (size_t)num(env, a[12]), B = (size_t)num(env, a[13]), n = H * B, G = rnn_gates(kind), A = rnn_acts(kind), GH = G * H;
  double actsOff = num(env, a[2]), csOff = num(env, a[3]), hsOff = num(env, a[4]), uOff = num(env, a[5]), h0Off = num(env, a[6]), c0Off = num(env, a[7]), mOff = num(env, a[8]);
  double dhsOff = num(env, a[9]), dcsOff = num(env, a[10]), dxsOff = num(env, a[14]), duOff = num(env, a[15]), dbhOff = num(env, a[16]), dh0Off = num(env, a[17]), dc0Off = num(env, a[18]);
  int lstm = kind == RNN_LSTM, gru = kind == RNN_GRU;
  if (kind < RNN_LSTM || kind > RNN_RELU || !lstm != (csOff < 0 && c0Off < 0 && dcsOff < 0 && dc0Off < 0) || lstm != (csOff >= 0 && c0Off >= 0 && dcsOff >= 0 && dc0Off >= 0) || gru != (dbhOff >= 0) || actsOff < 0 || mOff < 0) {
    napi_throw_type_error(env, NULL, "unroll_blas.rnnSequenceGrad: inputs do not fit the cell kind"); return NULL;
  }
  IN_HEAP(hsOff, T * 4 * n, "rnnSequenceGrad"); IN_HEAP(uOff, 4 * GH * H, "rnnSequenceGrad"); IN_HEAP(h0Off, 4 * n, "rnnSequenceGrad");
  IN_HEAP(dhsOff, T * 4 * n, "rnnSequenceGrad"); IN_HEAP(dxsOff, T * G * 4 * n, "rnnSequenceGrad"); IN_HEAP(duOff, 4 * GH * H, "rnnSequenceGrad"); IN_HEAP(dh0Off, 4 * n, "rnnSequenceGrad");
  IN_HEAP(actsOff, T * A * 4 * n, "rnnSequenceGrad"); IN_HEAP(mOff, T * 4 * B, "rnnSequenceGrad");
  if (lstm) { IN_HEAP(csOff, T * 4 * n, "rnnSequenceGrad"); IN_HEAP(c0Off, 4 * n, "rnnSequenceGrad"); IN_HEAP(dcsOff, T * 4 * n, "rnnSequenceGrad"); IN_HEAP(dc0Off, 4 * n, "rnnSequenceGrad"); }
  if (gru) { IN_HEAP(dbhOff, 4 * GH, "rnnSequenceGrad"); }
  RnnArgs r = { .kind = kind, .T = T, .H = H, .B = B, .GH = GH, .U = F32(uOff), .h0 = F32(h0Off), .c0 = lstm ? F32(c0Off) : NULL, .mask = F32(mOff), .hs = F32(hsOff),
                .cs = lstm ? F32(csOff) : NULL, .acts = F32(actsOff), .dhs = F32(dhsOff), .dcs = lstm ? F32(dcsOff) : NULL, .dxs = F32(dxsOff),
                .dhCarry = F32(dh0Off), .dcCarry = lstm ? F32(dc0Off) : NULL }; // the carries end as dh0, dc0
  float *du = F32(duOff), *dbh = gru ? F32(dbhOff) : NULL;
  if (T == 0 || n == 0) {
    memset(r.dhCarry, 0, 4 * n); if (r.dcCarry) memset(r.dcCarry, 0, 4 * n);
    memset(du, 0, 4 * GH * H); if (dbh) memset(dbh, 0, 4 * GH);
    return NULL;
  }
  // The gradient of U h_{t-1} is dxs itself but for GRU's n block: GRU keeps it apart, [B, T, G*H].
  // h_{t-1} for every (b, t) gathered as [B*T, H], so that dU is one product at the end.
  r.duhAll = gru ? malloc(4 * GH * T * B) : r.dxs;
  r.hPrev = malloc(4 * H * T * B);
  int failed = !r.duhAll || !r.hPrev;
  if (!failed) {
    for (size_t b = 0; b < B; b++) {
      memcpy(r.hPrev + b * T * H, r.h0 + b * H, 4 * H);
      memcpy(r.hPrev + (b * T + 1) * H, r.hs + b * T * H, 4 * H * (T - 1));
    }
    use_threads(1); // the per-step products are small; the batch is split over threads instead
    #pragma omp parallel num_threads(batch_threads(&r)) reduction(| : failed)
    { size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num(); failed |= rnn_backward_rows(&r, B * id / nt, B * (id + 1) / nt); }
  }
  if (!failed) {
    use_threads((double)GH * H * T * B < SMALL_GEMM_MACS ? 1 : max_threads);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)GH, (blasint)H, (blasint)(T * B), 1.0f, r.duhAll, (blasint)GH, r.hPrev, (blasint)H, 0.0f, du, (blasint)H); // dU
    if (dbh) { // b_h's gradient: the column sums of duh over every (b, t)
      memset(dbh, 0, 4 * GH);
      for (size_t row = 0; row < B * T; row++) for (size_t c = 0; c < GH; c++) dbh[c] += r.duhAll[row * GH + c];
    }
  }
  if (gru) free(r.duhAll);
  free(r.hPrev);
  if (failed) napi_throw_error(env, NULL, "unroll_blas.rnnSequenceGrad: out of memory");
  return NULL;
}

// sumSquares(heap, xOff, n) -> sum_i x_i^2 (in double), for the global gradient norm.
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  GET_ARGS(3, "sumSquares");
  size_t n = (size_t)num(env, a[2]); double xOff = num(env, a[1]);
  IN_HEAP(xOff, 4 * n, "sumSquares");
  const float *x = F32(xOff); double s = 0;
  #pragma omp parallel for schedule(static) reduction(+ : s) num_threads(loop_threads((double)n))
  for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  napi_value out; napi_create_double(env, s, &out); return out;
}

// axpy(heap, xOff, yOff, n, alpha, outOff): out = x + alpha y (an SGD step: p - lr g in one pass).
static napi_value axpy(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "axpy");
  size_t n = (size_t)num(env, a[3]); double xOff = num(env, a[1]), yOff = num(env, a[2]), outOff = num(env, a[5]);
  float alpha = (float)num(env, a[4]);
  IN_HEAP(xOff, 4 * n, "axpy"); IN_HEAP(yOff, 4 * n, "axpy"); IN_HEAP(outOff, 4 * n, "axpy");
  const float *x = F32(xOff), *y = F32(yOff); float *out = F32(outOff);
  #pragma omp parallel for schedule(static) num_threads(loop_threads((double)n))
  for (size_t i = 0; i < n; i++) out[i] = x[i] + alpha * y[i];
  return NULL;
}

// adam(heap, pOff, gOff, mOff, vOff, n, scale, lrOverC1, beta1, beta2, invC2, eps, pOutOff, mOutOff, vOutOff): one
// Adam step (torch.optim.Adam) in one pass, the gradient first multiplied by `scale` (the clip factor):
//   m' = b1 m + (1 - b1) g,  v' = b2 v + (1 - b2) g^2,  p' = p - (lr / c1) m' / (sqrt(v' / c2) + eps)
static napi_value adam(napi_env env, napi_callback_info info) {
  GET_ARGS(15, "adam");
  size_t n = (size_t)num(env, a[5]);
  double pOff = num(env, a[1]), gOff = num(env, a[2]), mOff = num(env, a[3]), vOff = num(env, a[4]), pOutOff = num(env, a[12]), mOutOff = num(env, a[13]), vOutOff = num(env, a[14]);
  float scale = (float)num(env, a[6]), lrc1 = (float)num(env, a[7]), b1 = (float)num(env, a[8]), b2 = (float)num(env, a[9]), invc2 = (float)num(env, a[10]), eps = (float)num(env, a[11]);
  IN_HEAP(pOff, 4 * n, "adam"); IN_HEAP(gOff, 4 * n, "adam"); IN_HEAP(mOff, 4 * n, "adam"); IN_HEAP(vOff, 4 * n, "adam");
  IN_HEAP(pOutOff, 4 * n, "adam"); IN_HEAP(mOutOff, 4 * n, "adam"); IN_HEAP(vOutOff, 4 * n, "adam");
  const float *p = F32(pOff), *g = F32(gOff), *m = F32(mOff), *v = F32(vOff);
  float *po = F32(pOutOff), *mo = F32(mOutOff), *vo = F32(vOutOff);
  #pragma omp parallel for schedule(static) num_threads(loop_threads((double)n))
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] * scale, mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
    mo[i] = mi; vo[i] = vi;
    po[i] = p[i] - lrc1 * mi / (sqrtf(vi * invc2) + eps);
  }
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info; use_threads(0x7fffffff); napi_value out; napi_create_int32(env, max_threads, &out); return out;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int n = (int)num(env, a[0]);
  if (n >= 1) { openblas_set_num_threads(n); max_threads = blas_threads = n; }
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info; napi_value out; napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out); return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"addRowVector", NULL, add_row_vector, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxXent", NULL, softmax_xent, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxXentGrad", NULL, softmax_xent_grad, NULL, NULL, NULL, napi_default, NULL},
    {"sumRows", NULL, sum_rows, NULL, NULL, NULL, napi_default, NULL},
    {"lstmCell", NULL, lstm_cell, NULL, NULL, NULL, napi_default, NULL},
    {"lstmCellGrad", NULL, lstm_cell_grad, NULL, NULL, NULL, napi_default, NULL},
    {"rnnSequence", NULL, rnn_sequence, NULL, NULL, NULL, napi_default, NULL},
    {"rnnSequenceGrad", NULL, rnn_sequence_grad, NULL, NULL, NULL, napi_default, NULL},
    {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_default, NULL},
    {"axpy", NULL, axpy, NULL, NULL, NULL, napi_default, NULL},
    {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
