"use client";
// How a page's live updates stand (one server-sent event stream): live, connecting, or failed
// with the server's reason (e.g. too many streams from this client) while the link retries.

export function LiveStatus({ live }: { live: { status: string; error?: { message: string } | null } }) {
  const text =
    live.status === "pending"
      ? "● live"
      : live.status === "connecting"
        ? "○ connecting…"
        : live.status === "error"
          ? `live updates failed (${live.error?.message ?? "no reason given"}): retrying`
          : "";
  return (
    <span className="muted small" title="Live updates over server-sent events">
      {text}
    </span>
  );
}
