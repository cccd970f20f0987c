import { TokensView } from "@/components/tokens/tokens-view";
import { requireSession } from "@/lib/auth/page-session";

export default async function TokensPage() {
  await requireSession();
  return <TokensView />;
}
