export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { ready } = await import("./lib/boot");
  await ready();
}
