// One pthread of the threaded wasm build, run by Node's worker_threads (see wasm-threads.ts).
// tfjs ships this worker only as a string meant for a browser Blob; Node's Worker needs a file.
/* global require */
"use strict";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS worker script
const { wasmWorkerContents } = require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js");
// tfjs escapes newlines the same way before making its Blob: the string has "\n" inside literals.
eval(wasmWorkerContents.replace(/\n/g, "\\n"));
