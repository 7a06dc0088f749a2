// What a run stores at each validation besides metrics (issues 15 and 18): the `kind` of a Diagnostic row,
// written by the runner from the trainer's "diagnostics" event and read by the api, the CLI
// (`unroll show --json`) and the run page. One JSON document per (run, kind, step).

export const DIAGNOSTIC_KINDS = {
  /** ||dL/dh_t|| per position per layer on a probe batch (core's GradThroughTime). */
  gradNorm: "gradNorm",
  /** Mean validation loss per position (lm: in the BPTT window; tagger: from the sentence start). */
  lossByPosition: "lossByPosition",
  /** A tagger's latest validation: tag confusion (gold x predicted) and, for NER, entity P/R/F1 by type (tag-report.ts). */
  tagReportValid: "tagReport/valid",
  /** The same for the test split, scored with the best validation's weights (its step in `weightsStep`). */
  tagReportTest: "tagReport/test",
} as const;

export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[keyof typeof DIAGNOSTIC_KINDS];

export const DIAGNOSTIC_KIND_LIST: readonly DiagnosticKind[] = Object.values(DIAGNOSTIC_KINDS);
