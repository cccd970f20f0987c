import type { ReactNode } from "react";
import { requireSession } from "@/lib/auth/page-session";
import { Nav } from "@/components/nav";
import { HealthBanner } from "@/components/health-banner";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await requireSession();
  return (
    <div className="shell">
      <Nav />
      <main className="content">
        <HealthBanner />
        {children}
      </main>
    </div>
  );
}
