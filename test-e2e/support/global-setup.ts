/**
 * Starts the local service once for all end-to-end tests: scripts/start.sh (migrations, demo seed,
 * demo administrator, demo clock, wrangler dev) on E2E_PORT (default 8790) with a fresh state
 * directory, and hands the base URL and the demo administrator's password to the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminPassword: string;
  }
}

let server: ChildProcess | undefined;
let stateDir = "";

export default async function setup(project: TestProject) {
  const port = Number(process.env.E2E_PORT ?? 8790);
  stateDir = mkdtempSync(join(tmpdir(), "sothutu-e2e-"));
  const log: string[] = [];
  server = spawn("bash", ["scripts/start.sh"], {
    env: { ...process.env, PORT: String(port), SOTHUTU_PERSIST_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: wrangler and workerd stop together
  });
  let adminPassword = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    log.push(text);
    const m = /password (\S+) \(shown/.exec(text);
    if (m) adminPassword = m[1]!;
  };
  server.stdout!.on("data", onData);
  server.stderr!.on("data", onData);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 170_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`local server exited early:\n${log.join("")}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`local server did not answer in time:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!adminPassword) throw new Error(`no demo administrator password in the start log:\n${log.join("")}`);
  project.provide("baseUrl", baseUrl);
  project.provide("adminPassword", adminPassword);
  return async () => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 1000));
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
}
