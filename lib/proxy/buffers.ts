/** Pieces as one Buffer: the piece itself when there is only one (no copy), else the pieces joined. */
export function joinBuffers(pieces: Buffer[], bytes?: number): Buffer {
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, bytes);
}
