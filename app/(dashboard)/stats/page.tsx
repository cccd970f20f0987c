import { Suspense } from "react";
import { StatsView } from "@/components/stats/stats-view";

export default function StatsPage() {
  return (
    <Suspense>
      <StatsView />
    </Suspense>
  );
}
