import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit 0.31 writes flat files migrations/NNNN_<name>.sql (migrations.prefix "index", the
 * default, spelled out here because wrangler applies the files in the order of that number) plus
 * a meta/ folder (journal and schema snapshots) that drizzle-kit needs to diff the next change.
 * `wrangler d1 migrations apply` and the tests' readD1Migrations read only the top-level *.sql.
 *
 *   npm run db:generate -- --name <what_changed>                 schema change
 *   npm run db:generate -- --custom --name <what>                 hand-written (data) migration
 */
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/schema.ts",
  out: "./migrations",
  migrations: { prefix: "index" },
  breakpoints: true,
  strict: true,
  verbose: true,
});
