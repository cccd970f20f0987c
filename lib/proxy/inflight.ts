import { LiveList, type LiveLink } from "../live-list";
import { singleton } from "../singleton";
import { StopReason } from "./stop-reason";

type Inflight = { stop: (reason: StopReason) => void };
export type Tracked = LiveLink<Inflight>;

const open = singleton("inflightExchanges", () => new LiveList<Inflight>());

export function track(exchange: Inflight): Tracked {
  return open.add(exchange);
}

export function untrack(tracked: Tracked): void {
  open.delete(tracked);
}

/**
 * At shutdown, after the grace period: stops what is still talking to the upstream so each
 * exchange ends and records itself, then waits (bounded) until all have.
 */
export async function abortInflight(timeoutMs = 2000): Promise<void> {
  for (const exchange of open.values()) exchange.stop(new StopReason("shutting_down", "KeyPool is shutting down"));
  const deadline = Date.now() + timeoutMs;
  while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
