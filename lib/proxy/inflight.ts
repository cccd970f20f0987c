import { singleton } from "../singleton";
import { StopReason } from "./stop-reason";

type Inflight = { stop: (reason: StopReason) => void };

const open = singleton("inflightExchanges", () => new Set<Inflight>());

export function track(exchange: Inflight): void {
  open.add(exchange);
}

export function untrack(exchange: Inflight): void {
  open.delete(exchange);
}

/**
 * At shutdown, after the grace period: stops what is still talking to the upstream so each
 * exchange ends and records itself, then waits (bounded) until all have.
 */
export async function abortInflight(timeoutMs = 2000): Promise<void> {
  for (const exchange of open) exchange.stop(new StopReason("shutting_down", "KeyPool is shutting down"));
  const deadline = Date.now() + timeoutMs;
  while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
