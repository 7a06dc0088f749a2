// Builds build/Release/unroll_blas.node with the C compiler against Node's headers and OpenBLAS.
// Runs on `pnpm install` (this package's install script) and by hand (`pnpm --filter
// @unroll/native-blas build`). It NEVER fails the install: when it cannot build it says why, with
// the one command that fixes it, and @unroll/core keeps its (several times slower) wasm kernels.
// The outcome is kept in build/status.json, so that the loader, `pnpm start`, the worker and the
// run page can say why later (scripts/status.cjs prints it at the end of `pnpm install`).
//
// Where OpenBLAS comes from, in this order:
// 1. the system's: `libopenblas-dev` (cblas.h and libopenblas.so), as a root user installs it;
// 2. Debian's own packages, fetched by `apt-get download` into build/openblas/ and unpacked there
//    with `dpkg-deb -x`: no root needed, nothing on the system changes, and the addon finds the
//    libraries through its rpath ($ORIGIN). That is what a fresh Debian or Ubuntu machine gets.
//    UNROLL_NATIVE_BLAS_FETCH=0 turns it off.
// (binding.gyp builds the same file with node-gyp against the system's OpenBLAS, for those who prefer it.)
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");
const { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const os = require("node:os");
const { FIX, STATUS_FILE } = require("./status-file.cjs");

const root = join(__dirname, "..");
const out = join(root, "build", "Release", "unroll_blas.node");
const fetched = join(root, "build", "openblas");
const strict = process.argv.includes("--strict"); // exit 1 on failure (CI that wants the addon)

/** Debian's multiarch directory names for this machine. */
const TRIPLET = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[process.arch];

function nodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), "..", "include", "node"),
    "/usr/include/node",
    join(os.homedir(), ".cache", "node-gyp", process.versions.node, "include", "node"),
  ];
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

function compilerWorks(cc) {
  return spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0;
}

/** 1. libopenblas-dev on the system: compiler flags, or undefined. */
function systemOpenblas() {
  const dirs = [`/usr/include/${TRIPLET}`, "/usr/include/openblas", "/usr/include", "/usr/local/include"];
  const include = dirs.filter((d) => existsSync(join(d, "cblas.h")));
  if (include.length === 0) return undefined;
  return { source: "the system's libopenblas-dev", flags: [...include.map((d) => `-I${d}`), "-lopenblas"] };
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw new Error(`${cmd}: ${r.error.code === "ENOENT" ? "not found" : r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(" ")}: ${(r.stderr || r.stdout)
        .trim()
        .split("\n")
        .filter((l) => !/^W: /.test(l))
        .slice(-2)
        .join(" | ")}`,
    );
  return r.stdout;
}

function hasSystemLibrary(name) {
  try {
    return run("ldconfig", ["-p"]).includes(name);
  } catch {
    return ["/lib", "/usr/lib"].some((d) => existsSync(join(d, TRIPLET ?? "", name)));
  }
}

/** 2. Debian's packages unpacked into build/openblas: compiler flags, or throws why not. */
function debianOpenblas() {
  if (process.env.UNROLL_NATIVE_BLAS_FETCH === "0") throw new Error("fetching is off (UNROLL_NATIVE_BLAS_FETCH=0)");
  if (process.platform !== "linux" || !TRIPLET) throw new Error(`no Debian packages for ${process.platform}-${process.arch}`);
  const unpacked = join(fetched, "root");
  const include = join(unpacked, "usr", "include", TRIPLET, "openblas-openmp");
  const libDir = join(unpacked, "usr", "lib", TRIPLET, "openblas-openmp");
  const gfortranDir = join(unpacked, "usr", "lib", TRIPLET);
  if (!existsSync(join(include, "cblas.h")) || !existsSync(join(libDir, "libopenblas.so.0"))) {
    // The OpenMP build, like the addon's own loops (one thread pool, not two); libgfortran5 only
    // when the system lacks it. apt-get download needs no root (it writes to its working directory).
    const packages = ["libopenblas0-openmp", "libopenblas-openmp-dev", ...(hasSystemLibrary("libgfortran.so.5") ? [] : ["libgfortran5"])];
    const debs = join(fetched, "debs");
    rmSync(fetched, { recursive: true, force: true });
    mkdirSync(debs, { recursive: true });
    try {
      run("apt-get", ["download", ...packages], debs);
    } catch (error) {
      // A machine whose package lists were never fetched (a fresh container): root can fetch them.
      if (process.getuid?.() !== 0 || !/Unable to locate|has no installation candidate/.test(error.message)) throw error;
      console.log("@unroll/native-blas: apt-get update (the package lists are empty)");
      run("apt-get", ["update", "-qq"]);
      run("apt-get", ["download", ...packages], debs);
    }
    for (const deb of readdirSync(debs).filter((f) => f.endsWith(".deb"))) run("dpkg-deb", ["-x", join(debs, deb), unpacked]);
    rmSync(debs, { recursive: true, force: true });
    for (const lib of readdirSync(libDir).filter((f) => f.endsWith(".a"))) unlinkSync(join(libDir, lib)); // static libraries: 80 MB unused
  }
  // DT_RPATH (not RUNPATH) so that libopenblas's own libgfortran is found there too.
  const rpath = (dir) => `-Wl,-rpath,$ORIGIN/../${dir.slice(join(root, "build").length + 1)}`;
  return {
    source: "Debian's OpenBLAS packages, unpacked in build/openblas (apt-get download, no root)",
    flags: [`-I${include}`, `-L${libDir}`, "-Wl,--disable-new-dtags", rpath(libDir), rpath(gfortranDir), "-lopenblas"],
  };
}

function main() {
  if (process.env.UNROLL_NATIVE_BLAS_SKIP_BUILD === "1") return { ok: false, message: "not built (UNROLL_NATIVE_BLAS_SKIP_BUILD=1 at install)" };
  if (process.platform === "win32") return { ok: false, message: "not built: Windows is not supported" };
  const headers = nodeHeaders();
  if (!headers) return { ok: false, message: "not built: Node's headers (node_api.h) were not found" };
  const cc = process.env.CC || "cc";
  if (!compilerWorks(cc)) return { ok: false, message: `not built: no C compiler (${cc})` };
  let openblas = systemOpenblas();
  if (!openblas) {
    try {
      openblas = debianOpenblas();
    } catch (error) {
      return { ok: false, message: `not built: no OpenBLAS (cblas.h not found, and Debian's packages could not be fetched: ${error.message})` };
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  const args = [
    "-O3",
    "-march=native",
    "-ffast-math",
    "-fno-finite-math-only",
    "-std=c11",
    "-fopenmp",
    "-shared",
    "-fPIC",
    "-DNODE_GYP_MODULE_NAME=unroll_blas",
    `-I${headers}`,
    join(root, "src", "unroll_blas.c"),
    "-o",
    out,
    ...openblas.flags,
    "-lm",
  ];
  try {
    execFileSync(cc, args, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const why = String(err.stderr || err.message)
      .trim()
      .split("\n")
      .slice(-3)
      .join(" | ");
    return { ok: false, message: `not built: the compiler failed (${cc}): ${why}` };
  }
  // Compiled is not yet loadable (a library missing at run time): load it in a fresh process through the package's loader, as core will.
  const probe = spawnSync(
    process.execPath,
    ["-e", `const m = require(${JSON.stringify(root)}); if (!m.blas) throw new Error(m.reason); console.log(m.blas.config())`],
    { encoding: "utf8" },
  );
  if (probe.status !== 0) {
    rmSync(out, { force: true });
    return {
      ok: false,
      message: `built, but it does not load: ${
        (probe.stderr || "")
          .trim()
          .split("\n")
          .find((l) => /Error/.test(l)) ?? "unknown error"
      }`,
    };
  }
  return { ok: true, message: `built with ${openblas.source}: ${probe.stdout.trim()}` };
}

const result = main();
if (!result.ok && existsSync(out)) result.message += " (the earlier build in build/Release is kept)";
mkdirSync(dirname(STATUS_FILE), { recursive: true });
writeFileSync(STATUS_FILE, JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2));
console.log(`@unroll/native-blas: ${result.message}`);
if (!result.ok) console.log(`@unroll/native-blas: training takes the slow path without it; fix: ${FIX}`);
if (strict && !result.ok) process.exit(1);
