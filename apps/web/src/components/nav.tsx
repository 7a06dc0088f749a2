"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Runs" },
  { href: "/launch", label: "Launch" },
  { href: "/compare", label: "Compare" },
  { href: "/tying", label: "Tied vs untied" },
  { href: "/playground", label: "Playground" },
];

export function Nav() {
  const path = usePathname();
  const active = (href: string) => (href === "/" ? path === "/" || path.startsWith("/runs") : path.startsWith(href));
  return (
    <nav className="nav" aria-label="Main">
      <span className="brand">Unroll</span>
      {LINKS.map((l) => (
        <Link key={l.href} href={l.href} aria-current={active(l.href) ? "page" : undefined}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
