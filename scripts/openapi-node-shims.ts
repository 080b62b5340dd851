/**
 * For the contract scripts that run under Node (tsx): the registry imports route modules, and
 * some of those import Durable Object classes from the Workers runtime module
 * `cloudflare:workers`. Here that module is replaced by a stand-in with empty base classes
 * (nothing in these scripts runs a handler). Import this module before the registry (use a
 * dynamic `import()` for the registry so this runs first).
 *
 * The project's tsconfig carries Workers types only (no @types/node): the little used is declared.
 */
interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string): void;
  existsSync(path: string): boolean;
}
type Hook = (a: string, context: unknown, next: (a: string, context: unknown) => unknown) => unknown;
interface NodeModule {
  registerHooks(hooks: { resolve: Hook; load: Hook }): unknown;
}
declare const process: {
  argv: string[];
  exitCode?: number;
  stdout: { write(text: string): void };
  getBuiltinModule(id: "node:fs"): NodeFs;
  getBuiltinModule(id: "node:module"): NodeModule;
};

export const nodeFs: NodeFs = process.getBuiltinModule("node:fs");
export const nodeProcess = process;

const STUB = `export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkflowEntrypoint {}
export class RpcTarget {}
export const env = {};
export default {};`;

process.getBuiltinModule("node:module").registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "cloudflare:workers") return { url: "cloudflare-stub:workers", shortCircuit: true };
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url === "cloudflare-stub:workers") return { format: "module", source: STUB, shortCircuit: true };
    return next(url, context);
  },
});
