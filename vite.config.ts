import preact from "@preact/preset-vite";
import { resolve } from "node:path";
import { defineConfig } from "vite";

/**
 * The web clients: one HTML page per person in the building (citizen, counter tablet, reception,
 * hall display, kiosk, manager, fairness verifier), built to web/dist and served by the Worker as
 * static assets (wrangler.toml [assets]). The citizen page is "/", the others "/<page>/".
 */
export const PAGES = ["counter", "reception", "display", "kiosk", "manager", "verify"] as const;

export default defineConfig({
  root: resolve(import.meta.dirname, "web"),
  base: "/",
  publicDir: resolve(import.meta.dirname, "web/public"),
  plugins: [preact()],
  resolve: { alias: { "@shared": resolve(import.meta.dirname, "shared") } },
  build: {
    outDir: resolve(import.meta.dirname, "web/dist"),
    emptyOutDir: true,
    target: "es2020",
    rollupOptions: {
      input: {
        citizen: resolve(import.meta.dirname, "web/index.html"),
        ...Object.fromEntries(PAGES.map((p) => [p, resolve(import.meta.dirname, `web/${p}/index.html`)])),
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8787" } },
});
