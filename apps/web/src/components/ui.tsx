"use client";
// Small shared pieces: status badges, error and empty states, a confirmation dialog.
import { useEffect, useRef, type ReactNode } from "react";

export function StatusBadge({ status, cancelRequested }: { status: string; cancelRequested?: boolean }) {
  return (
    <span className={`badge s-${status}`} data-status={status}>
      {status.toLowerCase()}
      {cancelRequested && status === "RUNNING" ? " · cancelling" : ""}
    </span>
  );
}

/** Shows an error's message; nothing fails silently. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      <pre>{message}</pre>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="empty" aria-busy="true">
      Loading {what}…
    </div>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  return (
    <>
      {tags.map((t) => (
        <span className="tag" key={t}>
          {t}
        </span>
      ))}
    </>
  );
}

/** A modal dialog (native <dialog>: focus trapped, Escape closes). */
export function Dialog({ open, onClose, title, children }: { open: boolean; onClose: () => void; title: string; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <h2>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}
