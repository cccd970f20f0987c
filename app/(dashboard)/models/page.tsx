import { ModelsView } from "@/components/models/models-view";

export default function ModelsPage() {
  return <ModelsView />;
}
