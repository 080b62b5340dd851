/**
 * The little of Node.js the benchmark scripts use. The project's tsconfig carries Workers types
 * only (no @types/node), so the built-ins are reached through `process.getBuiltinModule` and
 * typed here by hand, as far as the scripts need them.
 */

export interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  pid: number;
  platform: string;
  version: string;
  exitCode: number | undefined;
  cwd(): string;
  exit(code?: number): never;
  kill(pid: number, signal?: string | number): boolean;
  on(event: "SIGINT" | "SIGTERM" | "exit", listener: () => void): void;
  cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
  memoryUsage(): { rss: number };
  getBuiltinModule(id: string): unknown;
  stdout: { write(s: string): boolean };
}
export interface ChildProcess {
  pid?: number;
  exitCode: number | null;
  on(event: "exit", listener: (code: number | null, signal: string | null) => void): void;
}
export interface ChildProcessModule {
  spawn(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined>; detached: boolean; stdio: Array<"ignore" | number> }): ChildProcess;
  spawnSync(cmd: string, args: string[], opts: { encoding: "utf8"; cwd?: string; env?: Record<string, string | undefined>; input?: string }): { stdout: string; stderr: string; status: number | null };
}
export interface FsModule {
  mkdtempSync(prefix: string): string;
  mkdirSync(path: string, opts: { recursive: true }): unknown;
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string): void;
  appendFileSync(path: string, data: string): void;
  readdirSync(path: string): string[];
  readlinkSync(path: string): string;
  existsSync(path: string): boolean;
  rmSync(path: string, opts: { recursive: true; force: true }): void;
  cpSync(src: string, dest: string, opts: { recursive: true; preserveTimestamps: true; filter: (src: string) => boolean }): void;
  symlinkSync(target: string, path: string): void;
  statSync(path: string): { mtimeMs: number };
  utimesSync(path: string, atime: Date, mtime: Date): void;
}
export interface NetModule {
  createServer(): {
    listen(port: number, host: string, cb: () => void): void;
    address(): { port: number } | string | null;
    close(cb?: () => void): void;
    on(event: "error", cb: (err: Error) => void): void;
  };
}
export interface HttpIncoming {
  statusCode?: number;
  on(event: "data", cb: (chunk: Uint8Array) => void): void;
  on(event: "end" | "aborted", cb: () => void): void;
  on(event: "error", cb: (err: Error) => void): void;
}
export interface HttpClientRequest {
  on(event: "error", cb: (err: Error) => void): void;
  setTimeout(ms: number, cb: () => void): void;
  destroy(err?: Error): void;
  end(data?: string): void;
}
export interface HttpModule {
  Agent: new (o: { keepAlive: boolean; maxSockets?: number }) => unknown;
  request(url: string, o: { method: string; agent: unknown; headers: Record<string, string> }, cb: (res: HttpIncoming) => void): HttpClientRequest;
}
export interface OsModule {
  tmpdir(): string;
  cpus(): Array<{ model: string }>;
  totalmem(): number;
  release(): string;
  loadavg(): number[];
  hostname(): string;
}

export const proc: NodeProcess = (globalThis as unknown as { process: NodeProcess }).process;
export const childProcess = proc.getBuiltinModule("node:child_process") as ChildProcessModule;
export const fs = proc.getBuiltinModule("node:fs") as FsModule;
export const net = proc.getBuiltinModule("node:net") as NetModule;
export const os = proc.getBuiltinModule("node:os") as OsModule;
export const http = proc.getBuiltinModule("node:http") as HttpModule;

/** The repository root (bench/lib/ is two levels down). */
export const ROOT = new URL("../..", (import.meta as { url?: string }).url ?? `file://${proc.cwd()}/bench/lib/`).pathname.replace(/\/$/, "");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const nowMs = () => performance.now();
