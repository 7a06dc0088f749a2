#!/usr/bin/env node
// Builds what the prepared GPU check (issue 14) carries to a bare NVIDIA machine (no network, no
// Node, nothing to fetch): benchmarks/gpu-check/dist/, ignored, at most 64 MiB with the working
// tree. run.sh (tracked) unpacks it there and runs the benchmarks. See benchmarks/RESULTS.md,
// "GPU check (issue 14)".
//
//   node benchmarks/gpu-check/build.mjs [--tree-only]   (about 2.5 minutes on 2 cores, mostly xz -9 of
//                                                       the Node binary; --tree-only: dist/stage/tree, no archive)
//
// dist/payload.tar.xz holds a tree laid out like the repository, so the bundles' relative paths
// (webgpu-check's ../../../examples) hold:
//   bin/node                              this machine's Node (process.execPath)
//   packages/core/scripts/webgpu-check.mjs, benchmarks/unroll/lm.mjs, benchmarks/gpu-check/{probe,summarize}.mjs
//                                         one esbuild bundle each (core, tfjs, tfjs-backend-webgpu inlined)
//   node_modules/webgpu                   Dawn for Node: index.js and dist/linux-x64/dawn.node only
//   node_modules/@tensorflow/tfjs-backend-wasm   the three .wasm binaries (backend.ts resolves the package to find them)
//   node_modules/@tensorflow/tfjs-backend-webgpu a shim: core imports it by a computed name; it hands back the bundled copy
//   node_modules/@unroll/native-blas      the OpenBLAS addon with libopenblas, libgfortran, libgomp, libquadmath
//   lib/fallback/libstdc++.so.6           used only when the machine's is older than dawn.node needs (GLIBCXX_3.4.30)
//   examples/*.json, data/wikitext-2, data/tiny-shakespeare
// and beside it dist/libvulkan1_*.deb (the Vulkan loader, unpacked there) and dist/manifest.json.
// WikiText-2 is CC BY-SA: carried for the benchmark in this ignored folder, never committed.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";

const here = import.meta.dirname;
const root = join(here, "..", "..");
const dist = join(here, "dist");
const stage = join(dist, "stage");
const dataDir = process.env.UNROLL_DATA_DIR ?? join(root, "..", "shared", "data");
const LIMIT = 64 * 1024 * 1024;

const requireFrom = (dir) => createRequire(join(dir, "package.json"));
const coreRequire = requireFrom(join(root, "packages", "core"));
/** A package's own folder (its package.json's directory), resolved from packages/core. */
const pkgDir = (name) => dirname(realpathSync(coreRequire.resolve(`${name}/package.json`)));
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], ...opts }).toString();
const copy = (from, to) => {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(realpathSync(from), to);
};
const write = (to, text) => {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text);
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// 1. The bundles. esbuild comes with tsx (benchmarks' dependency).
const esbuild = createRequire(requireFrom(join(root, "benchmarks")).resolve("tsx/package.json"))("esbuild");
const SHIM_KEY = "unroll.gpu-check.tfjs-backend-webgpu";
const prelude = join(stage, "prelude.mjs");
// core imports tfjs-backend-webgpu by a computed name (an optional dependency), which esbuild
// leaves to Node; the prelude keeps a lazy handle on the bundled copy, and the shim package below
// returns it, so one tfjs-core serves every backend. Evaluated only when core asks (after Dawn).
write(prelude, `globalThis[Symbol.for(${JSON.stringify(SHIM_KEY)})] = () => import("@tensorflow/tfjs-backend-webgpu");\n`);
const entries = {
  "packages/core/scripts/webgpu-check": join(root, "packages", "core", "scripts", "webgpu-check.ts"),
  "benchmarks/unroll/lm": join(root, "benchmarks", "unroll", "lm.ts"),
  "benchmarks/gpu-check/probe": join(here, "probe.ts"),
  "benchmarks/gpu-check/summarize": join(here, "summarize.ts"),
};
for (const [out, file] of Object.entries(entries)) {
  const wrapper = join(stage, `${basename(out)}.entry.mjs`);
  // exit once the script is done: a Dawn device left open may keep Node's event loop alive, and
  // run.sh's timeout would then record a finished step as timed out (stdout to a pipe or file is
  // synchronous on Linux, so the last JSON line is out)
  write(wrapper, `import ${JSON.stringify(prelude)};\nimport ${JSON.stringify(file)};\nprocess.exit(process.exitCode ?? 0);\n`);
  await esbuild.build({
    entryPoints: [wrapper],
    outfile: join(stage, "tree", `${out}.mjs`),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@unroll/source"],
    nodePaths: [join(root, "packages", "core", "node_modules"), join(root, "benchmarks", "node_modules")],
    external: ["webgpu", "@unroll/native-blas"],
    // CommonJS inside an ESM bundle (tfjs's dependencies, the wasm backend's Emscripten glue) needs require and __dirname
    banner: {
      js: [
        'import { createRequire as __unrollCreateRequire } from "node:module";',
        'import { fileURLToPath as __unrollFileURLToPath } from "node:url";',
        "const require = __unrollCreateRequire(import.meta.url);",
        "const __filename = __unrollFileURLToPath(import.meta.url);",
        'const __dirname = __filename.slice(0, __filename.lastIndexOf("/"));',
      ].join(" "),
    },
    minifyWhitespace: true, // names kept: a failing step's stack trace stays readable
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
  });
  rmSync(wrapper);
}
rmSync(prelude);
const tree = join(stage, "tree");

// 2. Node itself.
copy(process.execPath, join(tree, "bin", "node"));
chmodSync(join(tree, "bin", "node"), 0o755);

// 3. Packages loaded at run time.
const dawn = pkgDir("webgpu");
for (const f of ["package.json", "index.js", "LICENSE.md", "dist/linux-x64/dawn.node"]) copy(join(dawn, f), join(tree, "node_modules", "webgpu", f));
const wasm = pkgDir("@tensorflow/tfjs-backend-wasm");
const wasmOut = join(tree, "node_modules", "@tensorflow", "tfjs-backend-wasm");
write(join(wasmOut, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-backend-wasm", version: "4.22.0", main: "dist/index.cjs" }));
write(join(wasmOut, "dist", "index.cjs"), "// the code is bundled; this package only holds the .wasm binaries beside it\n");
for (const f of readdirSync(join(wasm, "dist")).filter((f) => f.endsWith(".wasm"))) copy(join(wasm, "dist", f), join(wasmOut, "dist", f));
const shim = join(tree, "node_modules", "@tensorflow", "tfjs-backend-webgpu");
write(join(shim, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-backend-webgpu", version: "4.22.0", type: "module", main: "index.js" }));
write(
  join(shim, "index.js"),
  `// the bundled tfjs-backend-webgpu (see benchmarks/gpu-check/build.mjs)\nconst m = await globalThis[Symbol.for(${JSON.stringify(SHIM_KEY)})]();\nexport const WebGPUBackend = m.WebGPUBackend;\nexport default m;\n`,
);
const blas = join(root, "packages", "native-blas");
const blasOut = join(tree, "node_modules", "@unroll", "native-blas");
for (const f of ["package.json", "index.cjs", "scripts/status-file.cjs", "build/status.json", "build/Release/unroll_blas.node"])
  copy(join(blas, f), join(blasOut, f));
const libDir = "build/openblas/root/usr/lib/x86_64-linux-gnu"; // the addon's RPATH (transitive, so libgomp and libquadmath are found there too)
copy(join(blas, libDir, "openblas-openmp", "libopenblas.so.0"), join(blasOut, libDir, "openblas-openmp", "libopenblas.so.0"));
copy(join(blas, libDir, "libgfortran.so.5"), join(blasOut, libDir, "libgfortran.so.5"));
for (const lib of ["libgomp.so.1", "libquadmath.so.0"]) copy(join("/lib/x86_64-linux-gnu", lib), join(blasOut, libDir, lib));
copy("/lib/x86_64-linux-gnu/libstdc++.so.6", join(tree, "lib", "fallback", "libstdc++.so.6"));

// 4. Configs and corpora.
cpSync(join(root, "examples"), join(tree, "examples"), { recursive: true });
for (const f of ["wikitext-2/train.txt", "wikitext-2/valid.txt", "wikitext-2/test.txt", "wikitext-2/README", "tiny-shakespeare/input.txt"]) {
  copy(join(dataDir, f), join(tree, "data", f));
}

// 5. The archive, the Vulkan loader's .deb, the manifest.
const du = (p) => Number(sh("du", ["-sb", p]).split("\t")[0]);
const unpacked = du(tree);
if (process.argv.includes("--tree-only")) {
  // quick iterations: the unpacked tree, as run.sh lays it out, without the archive
  console.log(`staged ${(unpacked / 2 ** 20).toFixed(1)} MiB in ${tree}`);
  process.exit(0);
}
console.log(`staged ${(unpacked / 2 ** 20).toFixed(1)} MiB; compressing (xz -9)...`);
sh("tar", ["-cJf", join(dist, "payload.tar.xz"), "-C", tree, "."], { env: { ...process.env, XZ_OPT: "-9 -T0" } });
rmSync(stage, { recursive: true, force: true });
sh("apt-get", ["download", "libvulkan1"], { cwd: dist });
const files = readdirSync(dist).map((f) => ({ file: f, bytes: statSync(join(dist, f)).size }));
const total = files.reduce((s, f) => s + f.bytes, 0);
// what the device tool copies besides the carry: tracked files and untracked ones git does not ignore
const treeBytes = (list) => Number(sh("bash", ["-c", `${list} -z | xargs -0 -r du -cb | tail -1`], { cwd: root }).split("\t")[0] || 0);
const trackedBytes = treeBytes("git ls-files") + treeBytes("git ls-files --others --exclude-standard");
const manifest = {
  builtAt: new Date().toISOString(),
  node: process.version,
  dawn: JSON.parse(readFileSync(join(dawn, "package.json"), "utf8")).version,
  files,
  unpackedBytes: unpacked,
  totalBytes: total,
  workingTreeBytes: trackedBytes,
  carryLimitBytes: LIMIT,
  headroomBytes: LIMIT - total - trackedBytes,
};
write(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(JSON.stringify(manifest));
if (manifest.headroomBytes < 4 * 2 ** 20) {
  console.error(`dist (${total} bytes) and the working tree (${trackedBytes}) leave under 4 MiB of the 64 MiB carry limit`);
  process.exit(1);
}
