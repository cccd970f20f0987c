import { Overview } from "@/components/overview";
import { requireSession } from "@/lib/auth/page-session";

export default async function OverviewPage() {
  await requireSession();
  return <Overview />;
}
