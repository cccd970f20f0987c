import { TokensView } from "@/components/tokens/tokens-view";

export default function TokensPage() {
  return <TokensView />;
}
