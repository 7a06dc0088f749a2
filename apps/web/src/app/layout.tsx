import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Nav } from "~/components/nav";
import { Providers } from "~/trpc/react";
import "./globals.css";

export const metadata: Metadata = { title: "Unroll", description: "Train, track and compare recurrent networks for NLP" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
