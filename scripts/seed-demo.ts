/**
 * Writes the demo center's idempotent seed SQL (seed/demo-center.ts) to a file for wrangler:
 *
 *   npm run db:seed-demo   (writes .wrangler/seed-demo.sql and applies it to the local D1)
 * or by hand:
 *   bash scripts/with-node.sh npx tsx scripts/seed-demo.ts .wrangler/seed-demo.sql
 *   bash scripts/with-node.sh npx wrangler d1 execute DB --local --file .wrangler/seed-demo.sql
 *
 * Demo data only: do not run it against a production database.
 */
import { demoSeedStatements } from "../seed/demo-center";

// The project's tsconfig carries Workers types only (no @types/node): declare the little used.
declare const process: {
  argv: string[];
  exitCode?: number;
  getBuiltinModule(id: "node:fs"): {
    mkdirSync(path: string, options: { recursive: true }): unknown;
    writeFileSync(path: string, data: string): void;
  };
};
const { mkdirSync, writeFileSync } = process.getBuiltinModule("node:fs");

const target = process.argv[2];
if (target === undefined || target === "") {
  console.error("usage: tsx scripts/seed-demo.ts <output.sql>");
  process.exitCode = 2;
} else {
  const statements = demoSeedStatements();
  const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : "";
  if (dir !== "") mkdirSync(dir, { recursive: true });
  writeFileSync(target, statements.map((s) => `${s};\n`).join(""));
  console.log(`wrote ${statements.length} statements to ${target}`);
}
