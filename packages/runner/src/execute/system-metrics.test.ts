import { describe, expect, it } from "vitest";
import { initBackend } from "@unroll/core";
import { SystemSampler } from "./system-metrics.js";

describe("SystemSampler", () => {
  it("reports CPU, memory and TensorFlow.js memory as sys/* series", async () => {
    await initBackend({ backend: "cpu" });
    const s = new SystemSampler();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i); // some CPU time
    const m = s.sample();
    expect(x).toBeGreaterThan(0);
    expect(m["sys/cpu_percent"]).toBeGreaterThan(0);
    expect(m["sys/rss_mb"]).toBeGreaterThan(10);
    expect(m["sys/tensors"]).toBeGreaterThanOrEqual(0);
    expect(m["sys/tensor_mb"]).toBeGreaterThanOrEqual(0);
    expect(m["sys/gpu_mb"]).toBeUndefined(); // the cpu backend has no GPU
  });
});
