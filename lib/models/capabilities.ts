const RULES: [RegExp, string[]][] = [
  [/embedding/, ["embeddings"]],
  [/whisper|transcribe/, ["audio.transcription"]],
  [/tts/, ["audio.speech"]],
  [/dall-e|gpt-image|image/, ["images"]],
  [/moderation/, ["moderation"]],
  [/realtime/, ["realtime"]],
  [/^(gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|o1|o3|o4|chatgpt-4o)/, ["chat", "vision"]],
  [/^(gpt-|o\d|chatgpt|ft:gpt)/, ["chat"]],
  [/^(babbage|davinci)/, ["completions"]],
];

/** A first guess from the model's name; the admin can edit it. */
export function guessCapabilities(name: string): string[] {
  const lower = name.toLowerCase();
  return RULES.find(([pattern]) => pattern.test(lower))?.[1] ?? [];
}
