// readCoreEnv: the settings core takes from the environment, from a given one.
import { describe, expect, it } from "vitest";
import { readCoreEnv } from "./env.js";

describe("readCoreEnv", () => {
  it("reads the backend, the software switch and Dawn's extra flags (split on whitespace)", () => {
    expect(readCoreEnv({})).toEqual({ backend: undefined, webgpuSoftware: false, dawnFlags: [] });
    expect(
      readCoreEnv({
        UNROLL_BACKEND: " webgpu ",
        UNROLL_WEBGPU_SOFTWARE: "1",
        UNROLL_DAWN_FLAGS: " disable-dawn-features=timestamp_quantization  enable-dawn-features=a,b ",
      }),
    ).toEqual({ backend: "webgpu", webgpuSoftware: true, dawnFlags: ["disable-dawn-features=timestamp_quantization", "enable-dawn-features=a,b"] });
  });
});
