// What the compare page asks for, shared by its server component (which starts the chart's query)
// and its client component (which must ask with the same input to pick that result up).
export const DEFAULT_METRIC = "train/loss";

/** About the chart's width in pixels (the api keeps min and max per bucket). */
export const SERIES_MAX_POINTS = 800;

export const compareIds = (param: string | null | undefined): string[] => (param ?? "").split(",").filter(Boolean);

export const seriesInput = (runIds: string[], metric: string) => ({ runIds, keys: [metric], maxPoints: SERIES_MAX_POINTS });
