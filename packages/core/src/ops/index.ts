// Numerical building blocks with gradients tuned for the wasm backend.
export { softmaxCrossEntropy, tokenCrossEntropy } from "./cross-entropy.js";
export { embeddingLookup } from "./embedding.js";
