import { describe, expect, it } from "vitest";
import { createModel, initBackend, paramCount, type LanguageModelConfig } from "@unroll/core";
import { SystemSampler } from "./system-metrics.js";

describe("SystemSampler", () => {
  it("reports CPU, memory and TensorFlow.js memory as sys/* series", async () => {
    await initBackend({ backend: "cpu" });
    const s = new SystemSampler();
    const busyUntil = performance.now() + 50;
    while (performance.now() < busyUntil); // 50 ms of one core, in about 50 ms
    const m = s.sample();
    // Busy the whole interval: close to one core (other threads may add; a stalled clock would not).
    expect(m["sys/cpu_percent"]).toBeGreaterThan(50);
    expect(m["sys/cpu_percent"]).toBeLessThan(100 * 64);
    expect(m["sys/rss_mb"]).toBeGreaterThan(10);
    expect(m["sys/heap_mb"]).toBeGreaterThan(1);
    expect(m["sys/heap_mb"]).toBeLessThan(m["sys/rss_mb"]!);
    expect(m["sys/gpu_mb"]).toBeUndefined(); // the cpu backend has no GPU

    // The tensors a model holds are counted, with their bytes (float32: 4 per parameter).
    const config: LanguageModelConfig = { vocabSize: 500, cell: "lstm", embeddingSize: 64, hiddenSize: 64, layers: 1, dropout: 0, tied: false };
    const model = createModel("lm", config);
    const after = s.sample();
    model.dispose();
    expect(after["sys/tensors"]).toBeGreaterThan(m["sys/tensors"]!);
    expect(after["sys/tensor_mb"]! - m["sys/tensor_mb"]!).toBeCloseTo((paramCount("lm", config) * 4) / 2 ** 20, 6);
    expect(s.sample()["sys/tensors"]).toBe(m["sys/tensors"]);
  });
});
