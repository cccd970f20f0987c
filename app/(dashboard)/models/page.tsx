import { ModelsView } from "@/components/models/models-view";
import { requireSession } from "@/lib/auth/page-session";

export default async function ModelsPage() {
  await requireSession();
  return <ModelsView />;
}
