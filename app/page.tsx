export default function Home() {
  return (
    <main>
      <h1>KeyPool</h1>
      <p>The OpenAI-compatible API is served at /v1.</p>
    </main>
  );
}
