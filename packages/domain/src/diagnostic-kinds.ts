// What a run stores besides metrics (issues 15 and 18): the `kind` of a Diagnostic row, written by
// the runner from the trainer's events (at each validation, and what the run started with) and read
// by the api, the CLI (`unroll show`) and the run page. One JSON document per (run, kind, step).

export const DIAGNOSTIC_KINDS = {
  /** ||dL/dh_t|| per position per layer on a probe batch (core's GradThroughTime). */
  gradNorm: "gradNorm",
  /** Mean validation loss per position (lm: in the BPTT window; tagger: from the sentence start). */
  lossByPosition: "lossByPosition",
  /** A tagger's latest validation: tag confusion (gold x predicted) and, for NER, entity P/R/F1 by type (tag-report.ts). */
  tagReportValid: "tagReport/valid",
  /** The same for the test split, scored with the best validation's weights (its step in `weightsStep`). */
  tagReportTest: "tagReport/test",
  /**
   * What training started with, as the start event told it (StartNotesDoc): the pretrained vectors'
   * coverage, what model.init copied, data repairs. At the step it started from (0, or a resume's).
   */
  startNotes: "notes/start",
} as const;

/** The startNotes document: one line each, as `unroll train` prints them. */
export interface StartNotesDoc {
  lines: string[];
}

export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[keyof typeof DIAGNOSTIC_KINDS];

export const DIAGNOSTIC_KIND_LIST: readonly DiagnosticKind[] = Object.values(DIAGNOSTIC_KINDS);
