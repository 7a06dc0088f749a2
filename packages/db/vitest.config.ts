import { unrollVitest } from "@unroll/vitest-config";

// vitest 5 prints failures with Map.groupBy (Node >= 21); on Node 20 the report itself crashes
// ("Map.groupBy is not a function") and hides the error. Polyfill it in the main process.
const MapWithGroupBy = Map as unknown as { groupBy?: unknown };
MapWithGroupBy.groupBy ??= <K, T>(items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> => {
  const groups = new Map<K, T[]>();
  let i = 0;
  for (const item of items) {
    const k = key(item, i++);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

export default unrollVitest("db", {
  // Each file starts its own PGlite (Wasm, ~100-200 MB): two files at a time on 2 cores.
  test: { maxWorkers: 2 },
});
