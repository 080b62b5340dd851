/**
 * Size budget of the citizen page (issue 5): the JavaScript and CSS a citizen's phone downloads
 * must stay under 60 KB gzipped in total. Run after `vite build`:
 *
 *   bash scripts/with-node.sh npx tsx scripts/check-web-size.ts [distDir]
 *
 * Starts from web/dist/index.html (its module script, module preloads and stylesheets), follows
 * every import of those chunks — static and dynamic (a chunk loaded later, e.g. when a ticket is
 * shown, is still downloaded by the citizen) and Vite's preload lists — and adds the service
 * worker the page registers. Prints each file's raw and gzip size; exits 1 at or over budget.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { gzipSync } from "node:zlib";

export const BUDGET_BYTES = 60 * 1024;

const dist = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "web", "dist"));
const indexPath = join(dist, "index.html");
if (!existsSync(indexPath)) {
  console.error(`check-web-size: ${indexPath} not found; run \`npx vite build\` first`);
  process.exit(2);
}

/** "/assets/x.js" or "./x.js" (relative to `from`) → a path inside dist, or null if external. */
function distPath(ref: string, from: string): string | null {
  if (/^[a-z]+:|^\/\//i.test(ref)) return null;
  const clean = ref.split(/[?#]/)[0]!;
  return clean.startsWith("/") ? clean.slice(1) : posix.normalize(posix.join(posix.dirname(from), clean));
}

const html = readFileSync(indexPath, "utf8");
const entries: string[] = [];
for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) entries.push(m[1]!);
for (const m of html.matchAll(/<link\b[^>]*>/g)) {
  const tag = m[0];
  const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
  if (href && /\brel="(modulepreload|stylesheet)"/.test(tag)) entries.push(href);
}

const initial = new Set<string>();
const lazy = new Set<string>();
const queue: Array<{ file: string; isLazy: boolean }> = [];
const visit = (file: string | null, isLazy: boolean) => {
  if (!file || !/\.(m?js|css)$/.test(file)) return;
  if (initial.has(file) || (isLazy && lazy.has(file))) return;
  if (!isLazy) lazy.delete(file);
  (isLazy ? lazy : initial).add(file);
  queue.push({ file, isLazy });
};
for (const e of entries) visit(distPath(e, "index.html"), false);

while (queue.length) {
  const { file, isLazy } = queue.shift()!;
  if (!file.endsWith("js")) continue;
  const code = readFileSync(join(dist, file), "utf8");
  // Static imports: `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`.
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.m?js)["']/g)) visit(distPath(m[1]!, file), isLazy);
  // Dynamic imports and Vite's preload dependency lists ("assets/x.js", "assets/x.css").
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+\.m?js)["']\s*\)/g)) visit(distPath(m[1]!, file), true);
  for (const m of code.matchAll(/["'](assets\/[\w.-]+\.(?:m?js|css))["']/g)) visit(m[1]!, true);
}

const extra = existsSync(join(dist, "sw.js")) ? ["sw.js"] : [];
const rows = [...[...initial].map((f) => ({ f, kind: "initial" })), ...[...lazy].map((f) => ({ f, kind: "lazy" })), ...extra.map((f) => ({ f, kind: "service worker" }))].map(({ f, kind }) => {
  const bytes = readFileSync(join(dist, f));
  return { file: f, kind, raw: bytes.length, gzip: gzipSync(bytes).length };
});

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
console.log("citizen page (web/dist/index.html): JavaScript and CSS, gzip");
for (const r of rows) console.log(`  ${r.file.padEnd(44)} ${r.kind.padEnd(15)} raw ${kb(r.raw).padStart(10)}  gzip ${kb(r.gzip).padStart(9)}`);
const sum = (k: string[]) => rows.filter((r) => k.includes(r.kind)).reduce((a, r) => a + r.gzip, 0);
const first = sum(["initial"]);
const total = sum(["initial", "lazy", "service worker"]);
console.log(`  first load (entry, its imports, preloads, CSS): ${kb(first)}`);
console.log(`  total (with lazy chunks and the service worker): ${kb(total)} of ${kb(BUDGET_BYTES)} budget`);
if (rows.length === 0 || initial.size === 0) {
  console.error("check-web-size: found no script in web/dist/index.html");
  process.exit(1);
}
if (total >= BUDGET_BYTES) {
  console.error(`check-web-size: over budget by ${kb(total - BUDGET_BYTES + 1)}`);
  process.exit(1);
}
console.log("check-web-size: within budget");
