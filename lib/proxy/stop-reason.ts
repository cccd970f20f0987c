/** Why KeyPool itself ended an exchange early: the reason an upstream request is aborted with. */
export class StopReason extends Error {
  constructor(
    readonly code: "client_closed" | "shutting_down",
    message: string,
  ) {
    super(message);
  }
}
