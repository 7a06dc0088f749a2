import type { UserConfig } from "vitest/config";

/** The shared vitest config for package `name`, merged with `overrides`. */
export function unrollVitest(name: string, overrides?: UserConfig): UserConfig;
