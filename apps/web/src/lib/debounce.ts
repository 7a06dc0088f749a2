// A value that follows another once it has stopped changing for `ms` (a search box asks the
// server once per pause, not once per keystroke).
import { useEffect, useState } from "react";

/** How long a search waits after the last keystroke before it asks. */
export const SEARCH_DEBOUNCE_MS = 250;

export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
