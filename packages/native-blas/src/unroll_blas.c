// OpenBLAS sgemm on memory owned by JavaScript (the tfjs wasm heap), through Node-API.
// The caller passes a typed array over that memory (HEAPU8) and byte offsets into it; nothing is
// copied. Row-major, as tfjs stores tensors. Also a few fused loops the LM needs next to sgemm.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

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
  for (int64_t i = 0; i < batch; i++) {
    float *A = (float *)(heap + aOff + i * aStride), *B = (float *)(heap + bOff + i * bStride), *C = (float *)(heap + cOff + i * cStride);
    if (K == 0) { if (beta == 0) memset(C, 0, (size_t)(M * N) * fs); continue; }
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
  for (size_t r = 0; r < rows; r++) { float *row = C + r * cols; for (size_t j = 0; j < cols; j++) row[j] += b[j]; }
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info; napi_value out; napi_create_int32(env, openblas_get_num_threads(), &out); return out;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int n = (int)num(env, a[0]);
  if (n >= 1) openblas_set_num_threads(n);
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info; napi_value out; napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out); return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"addRowVector", NULL, add_row_vector, NULL, NULL, NULL, napi_default, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
