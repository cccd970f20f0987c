import { Suspense } from "react";
import { KeysView } from "@/components/keys/keys-view";
import { requireSession } from "@/lib/auth/page-session";

export default async function KeysPage() {
  await requireSession();
  return (
    <Suspense>
      <KeysView />
    </Suspense>
  );
}
