"use client";
// A form generated from the shared config schema. Each field shows its description, default
// (as placeholder) and bounds, and the schema's own message when its value is invalid.
import { useMemo } from "react";
import type { ConfigIssue } from "@unroll/domain";
import { configSections, describeBounds, getAt, parseInput, setAt, showValue, type Draft, type FieldSpec, type SectionSpec } from "~/lib/schema-form";

const fieldId = (path: string) => `cfg-${path.replace(/\./g, "-")}`;

function Field({ spec, draft, onChange, issue }: { spec: FieldSpec; draft: Draft; onChange: (d: Draft) => void; issue?: string }) {
  const id = fieldId(spec.path);
  const value = getAt(draft, spec.path);
  const set = (v: unknown) => onChange(setAt(draft, spec.path, v));
  const help = [spec.description, describeBounds(spec)].filter(Boolean).join(" · ");
  const describedBy = `${id}-help${issue ? ` ${id}-error` : ""}`;
  const common = { id, "aria-invalid": issue ? true : undefined, "aria-describedby": describedBy, name: spec.path };
  let control;
  if (spec.kind === "enum") {
    control = (
      <select {...common} value={value === undefined ? "" : String(value)} onChange={(e) => set(e.target.value === "" ? undefined : e.target.value)}>
        <option value="">{spec.default !== undefined ? `default (${String(spec.default)})` : spec.required ? "choose…" : "not set"}</option>
        {spec.options!.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === "boolean") {
    control = (
      <select {...common} value={value === undefined ? "" : String(value)} onChange={(e) => set(e.target.value === "" ? undefined : e.target.value === "true")}>
        <option value="">{spec.default !== undefined ? `default (${spec.default ? "yes" : "no"})` : "not set"}</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    );
  } else if (spec.kind === "strings") {
    control = (
      <textarea
        {...common}
        rows={2}
        value={showValue(spec.kind, value)}
        placeholder={Array.isArray(spec.default) ? spec.default.map((s) => JSON.stringify(s)).join(", ") : "one per line"}
        onChange={(e) => set(parseInput(spec.kind, e.target.value))}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        inputMode={spec.kind === "integer" ? "numeric" : spec.kind === "number" ? "decimal" : "text"}
        value={showValue(spec.kind, value)}
        placeholder={spec.default !== undefined ? String(spec.default) : spec.required ? "required" : "not set"}
        onChange={(e) => set(parseInput(spec.kind, e.target.value))}
      />
    );
  }
  return (
    <div className="field" data-field={spec.path}>
      <label htmlFor={id}>
        {spec.key}
        {spec.required ? (
          <span aria-hidden="true" style={{ color: "var(--danger)" }}>
            *
          </span>
        ) : null}
      </label>
      {control}
      {issue ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {issue}
        </div>
      ) : null}
      <div className="help" id={`${id}-help`}>
        {help}
      </div>
    </div>
  );
}

function Section({ section, draft, onChange, issues }: { section: SectionSpec; draft: Draft; onChange: (d: Draft) => void; issues: Map<string, string> }) {
  const fields = (list: FieldSpec[]) => (
    <div className="form-grid">
      {list.map((f) => (
        <Field key={f.path} spec={f} draft={draft} onChange={onChange} issue={issues.get(f.path)} />
      ))}
    </div>
  );
  if (section.branches) {
    // data: { corpus } or { format, train, ... }; switching drops the other branch's fields.
    const data = (getAt(draft, section.key) ?? {}) as Record<string, unknown>;
    const branch = "format" in data || "train" in data ? 1 : 0;
    const b = section.branches[branch]!;
    const sectionIssue = issues.get(section.key);
    return (
      <fieldset>
        <legend>{section.title}</legend>
        <div className="row" role="radiogroup" aria-label="Data source" style={{ marginBottom: 8 }}>
          {section.branches.map((x, i) => (
            <label key={x.title}>
              <input
                type="radio"
                name="data-source"
                checked={branch === i}
                onChange={() => onChange(setAt(draft, section.key, i === 0 ? { corpus: undefined } : { format: "text", train: "" }))}
              />
              {x.title}
            </label>
          ))}
        </div>
        {sectionIssue ? (
          <div className="field-error" role="alert">
            {sectionIssue}
          </div>
        ) : null}
        {fields(b.fields)}
      </fieldset>
    );
  }
  return (
    <fieldset>
      <legend>{section.title}</legend>
      {section.description && section.key ? (
        <p className="help muted small" style={{ marginTop: 0 }}>
          {section.description}
        </p>
      ) : null}
      {fields(section.fields)}
    </fieldset>
  );
}

export function ConfigForm({ draft, onChange, issues }: { draft: Draft; onChange: (d: Draft) => void; issues: ConfigIssue[] }) {
  const sections = useMemo(() => configSections(), []);
  const byPath = useMemo(() => {
    const m = new Map<string, string>();
    for (const i of issues) if (!m.has(i.path)) m.set(i.path, i.message);
    return m;
  }, [issues]);
  return (
    <>
      {sections.map((s) => (
        <Section key={s.key || "general"} section={s} draft={draft} onChange={onChange} issues={byPath} />
      ))}
    </>
  );
}

/** Issues that no field shows (so the page lists them above the form). */
export function unplacedIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const paths = new Set(
    configSections().flatMap((s) => [s.key, ...s.fields.map((f) => f.path), ...(s.branches?.flatMap((b) => b.fields.map((f) => f.path)) ?? [])]),
  );
  return issues.filter((i) => !paths.has(i.path));
}
