// Process CPU and memory, sampled between steps and logged as `sys/*` series.
import { cpuUsage, memoryUsage } from "node:process";
import { tensorMemory } from "@unroll/core";

export class SystemSampler {
  #lastCpu = cpuUsage();
  #lastAt = performance.now();

  /**
   * CPU use since the last call (percent of one core), resident memory and heap (MiB), what
   * TensorFlow.js holds (tensors, MiB) and, on a GPU backend, GPU memory (MiB).
   */
  sample(): Record<string, number> {
    const now = performance.now();
    const cpu = cpuUsage(this.#lastCpu);
    const elapsedMs = Math.max(now - this.#lastAt, 1);
    this.#lastCpu = cpuUsage();
    this.#lastAt = now;
    const mem = memoryUsage();
    const tf = tensorMemory();
    return {
      "sys/cpu_percent": ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      "sys/rss_mb": mem.rss / 2 ** 20,
      "sys/heap_mb": mem.heapUsed / 2 ** 20,
      "sys/tensors": tf.tensors,
      "sys/tensor_mb": tf.bytes / 2 ** 20,
      ...(tf.gpuBytes !== undefined ? { "sys/gpu_mb": tf.gpuBytes / 2 ** 20 } : {}),
    };
  }
}
