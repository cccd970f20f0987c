/** Prisma's SQLite adapter stores DateTime as ISO text with "+00:00"; raw SQL writes and compares in the same form. */
export const storedTime = (date: Date) => date.toISOString().replace("Z", "+00:00");
