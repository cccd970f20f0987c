// Applies pending prisma/migrations to the SQLite file, keeping Prisma's own bookkeeping table
// (`_prisma_migrations`, same checksums) so `prisma migrate deploy/status` agree with it. It needs
// only better-sqlite3, which the standalone image already holds; the Prisma CLI does not ship there.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const now = () => new Date().toISOString().replace("Z", "+00:00");

function readMigrations(migrationsDir) {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(migrationsDir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Brings the database to the latest migration. Before changing a database that already holds
 * data, it writes a copy beside it (`<file>.before-<migration>`), so an upgrade can be undone.
 * Returns the names of the migrations it applied.
 */
/** The database holds every prompt and the encrypted keys: only KeyPool's own user may read it, WAL and copies included. */
export function restrictFiles(databasePath) {
  const folder = path.dirname(databasePath);
  const base = path.basename(databasePath);
  for (const name of fs.readdirSync(folder)) {
    if (name === base || name.startsWith(`${base}-`) || name.startsWith(`${base}.before-`)) fs.chmodSync(path.join(folder, name), 0o600);
  }
}

export function migrate({ databasePath, migrationsDir, log = () => {} }) {
  fs.mkdirSync(path.dirname(databasePath), { recursive: true, mode: 0o700 });
  const db = new Database(databasePath);
  restrictFiles(databasePath);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(BOOKKEEPING);
    const rows = db.prepare(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`).all();
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new Error(`Migration ${failed.migration_name} failed earlier and left the database half-changed. Restore the copy written before it (…before-${failed.migration_name}) or resolve it with \`prisma migrate resolve\`.`);
    }
    const applied = new Map(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => [row.migration_name, row.checksum]));
    const migrations = readMigrations(migrationsDir);
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum && checksum !== migration.checksum) log("warn", `migration ${migration.name} was changed after it was applied`);
    }
    const pending = migrations.filter((migration) => !applied.has(migration.name));
    if (pending.length > 0 && applied.size > 0) {
      const backup = `${databasePath}.before-${pending[0].name}`;
      db.pragma("wal_checkpoint(TRUNCATE)");
      fs.copyFileSync(databasePath, backup);
      fs.chmodSync(backup, 0o600);
      log("info", "copied the database before migrating it", { backup });
    }
    for (const migration of pending) {
      const id = crypto.randomUUID();
      db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)`).run(id, migration.checksum, migration.name, now());
      try {
        db.exec(migration.sql);
      } catch (error) {
        db.prepare(`UPDATE "_prisma_migrations" SET logs = ? WHERE id = ?`).run(String(error), id);
        throw new Error(`Migration ${migration.name} failed: ${error.message}`);
      }
      db.prepare(`UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`).run(now(), id);
      log("info", "applied migration", { migration: migration.name });
    }
    return pending.map((migration) => migration.name);
  } finally {
    db.close();
  }
}
