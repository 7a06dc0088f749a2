{
  "targets": [
    {
      "target_name": "unroll_blas",
      "sources": ["src/unroll_blas.c"],
      "cflags": ["-O2", "-std=c11", "-fopenmp"],
      "ldflags": ["-fopenmp"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-openmp", "/usr/include/x86_64-linux-gnu"],
      "libraries": ["-lopenblas"]
    }
  ]
}
