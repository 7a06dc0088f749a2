// The launch form is generated from the shared config schema (core's ExperimentConfigSchema as
// JSON Schema): one section per object, one field per property, with its description, default
// and bounds. The `data` union becomes a choice between its branches.
import { z } from "zod";
import { ExperimentConfigSchema } from "@unroll/core/config";

export type FieldKind = "enum" | "boolean" | "integer" | "number" | "string" | "strings";

export interface FieldSpec {
  /** Dotted path in the config, e.g. `model.hiddenSize`. */
  path: string;
  key: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  default?: unknown;
  min?: number;
  max?: number;
  /** Bounds that exclude the value itself (`> 0`, `< 1`). */
  exclusiveMin?: number;
  exclusiveMax?: number;
}

export interface SectionSpec {
  key: string;
  title: string;
  description?: string;
  /** For a union section (data): its branches, each with its own fields. */
  branches?: { title: string; description?: string; fields: FieldSpec[] }[];
  fields: FieldSpec[];
}

interface JsonSchema {
  type?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

const HUGE = 2 ** 52;

function field(path: string, key: string, s: JsonSchema, required: boolean): FieldSpec {
  const kind: FieldKind = s.enum
    ? "enum"
    : s.type === "boolean"
      ? "boolean"
      : s.type === "integer"
        ? "integer"
        : s.type === "number"
          ? "number"
          : s.type === "array"
            ? "strings"
            : "string";
  return {
    path,
    key,
    kind,
    required,
    description: s.description,
    options: s.enum?.map(String),
    default: s.default,
    min: s.minimum,
    max: s.maximum !== undefined && s.maximum < HUGE ? s.maximum : undefined,
    exclusiveMin: s.exclusiveMinimum,
    exclusiveMax: s.exclusiveMaximum,
  };
}

/** One field per leaf; a nested object (model.chars) gives its own fields, keyed `chars.hiddenSize`,
 * and is present in the config as soon as one of them has a value. */
function fieldsOf(prefix: string, s: JsonSchema, keyPrefix = ""): FieldSpec[] {
  return Object.entries(s.properties ?? {}).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v.type === "object" && v.properties) return fieldsOf(path, v, `${keyPrefix}${k}.`);
    return [field(path, `${keyPrefix}${k}`, v, s.required?.includes(k) ?? false)];
  });
}

const TITLES: Record<string, string> = { data: "Data", tokenizer: "Tokenizer", model: "Model", train: "Training", sample: "Sampling" };

/** Sections in schema order: "general" (name, task), then data, tokenizer, model, train, sample. */
export function configSections(): SectionSpec[] {
  const root = z.toJSONSchema(ExperimentConfigSchema, { io: "input" }) as JsonSchema;
  const general: SectionSpec = { key: "", title: "Run", description: root.description, fields: [] };
  const sections: SectionSpec[] = [general];
  for (const [key, s] of Object.entries(root.properties ?? {})) {
    if (s.anyOf) {
      sections.push({
        key,
        title: TITLES[key] ?? key,
        description: s.description,
        fields: [],
        branches: s.anyOf.map((b) => ({ title: b.description ?? "", fields: fieldsOf(key, b) })),
      });
    } else if (s.type === "object") {
      sections.push({ key, title: TITLES[key] ?? key, description: s.description, fields: fieldsOf(key, s) });
    } else {
      general.fields.push(field(key, key, s, root.required?.includes(key) ?? false));
    }
  }
  return sections;
}

/** Every leaf path (for the sweep builder). */
export function leafPaths(sections: SectionSpec[]): FieldSpec[] {
  const seen = new Set<string>();
  return sections.flatMap((s) => [...s.fields, ...(s.branches?.flatMap((b) => b.fields) ?? [])]).filter((f) => !seen.has(f.path) && seen.add(f.path));
}

export type Draft = Record<string, unknown>;

export function getAt(draft: Draft, path: string): unknown {
  let v: unknown = draft;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A copy with `path` set (undefined removes it, and empty sections with it). */
export function setAt(draft: Draft, path: string, value: unknown): Draft {
  const [head, ...rest] = path.split(".") as [string, ...string[]];
  const out: Draft = { ...draft };
  if (rest.length === 0) {
    if (value === undefined) delete out[head];
    else out[head] = value;
    return out;
  }
  const inner = out[head] && typeof out[head] === "object" && !Array.isArray(out[head]) ? (out[head] as Draft) : {};
  const next = setAt(inner, rest.join("."), value);
  if (Object.keys(next).length === 0) delete out[head];
  else out[head] = next;
  return out;
}

/** What an input's text becomes in the config: numbers when they read as numbers, else the text
 * (so that the schema, not the form, says what is wrong with it). */
export function parseInput(kind: FieldKind, text: string): unknown {
  if (text === "") return undefined;
  if (kind === "integer" || kind === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (kind === "strings") return text.split("\n");
  return text;
}

/** The text an input shows for a config value. */
export function showValue(kind: FieldKind, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (kind === "strings" && Array.isArray(value)) return value.join("\n");
  return String(value);
}

/** Human bounds, e.g. "1 – 8", "> 0", "0 – < 1". */
export function describeBounds(f: FieldSpec): string | undefined {
  const lo = f.min !== undefined ? `≥ ${f.min}` : f.exclusiveMin !== undefined ? `> ${f.exclusiveMin}` : undefined;
  const hi = f.max !== undefined ? `≤ ${f.max}` : f.exclusiveMax !== undefined ? `< ${f.exclusiveMax}` : undefined;
  return [lo, hi].filter(Boolean).join(", ") || undefined;
}
