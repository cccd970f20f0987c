import { Suspense } from "react";
import { StatsView } from "@/components/stats/stats-view";
import { requireSession } from "@/lib/auth/page-session";

export default async function StatsPage() {
  await requireSession();
  return (
    <Suspense>
      <StatsView />
    </Suspense>
  );
}
