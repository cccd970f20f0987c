import type { ReactNode } from "react";
import { requireSession } from "@/lib/auth/page-session";
import { Nav } from "@/components/nav";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await requireSession();
  return (
    <div className="shell">
      <Nav />
      <main className="content">{children}</main>
    </div>
  );
}
