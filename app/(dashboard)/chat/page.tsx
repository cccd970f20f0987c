import { ChatView } from "@/components/chat/chat-view";
import { requireSession } from "@/lib/auth/page-session";

export default async function ChatPage() {
  await requireSession();
  return <ChatView />;
}
