/**
 * Creates a staff administrator in D1: the first one of a new deployment (there is no default
 * password), or another one later. The password is read from stdin, or generated (24 random
 * characters) and printed once.
 *
 *   npm run admin:create -- --username admin [--remote | --local] [--persist-to dir]
 * which is
 *   bash scripts/with-node.sh npx tsx scripts/create-admin.ts --username admin [--remote | --local] [--persist-to dir]
 *
 * Options:
 *   --username NAME        required; lowercase letters, digits, '.', '_', '-' (a letter first)
 *   --display-name TEXT    shown in the staff app (default "Quản trị viên")
 *   --local                the local D1 of `wrangler dev` (the default)
 *   --remote               the deployed D1 (needs `wrangler login` or CLOUDFLARE_API_TOKEN)
 *   --persist-to DIR       local state directory (as given to `wrangler dev --persist-to`)
 *   --generate             generate the password even when stdin is not a terminal
 *   --reset                the username exists: make it an active administrator again with this
 *                          password (ends its sessions, lifts a lock-out) — the way back in
 *                          after the last administrator's password is lost
 *   --if-none              create only when D1 has no staff account at all (scripts/start.sh's
 *                          demo administrator); otherwise change nothing
 *
 * Password from stdin (its first line; a trailing newline is dropped):
 *   printf '%s\n' "$ADMIN_PASSWORD" | npm run admin:create -- --username admin --remote
 * With stdin a terminal (or empty, or --generate) a strong password is generated and printed.
 *
 * The hash is made by the Worker's own module (worker/staff/password.ts): PBKDF2-SHA256, the same
 * iteration count, salt length and encoding, so the Worker verifies it at sign-in. The row goes
 * in with `wrangler d1 execute DB --command "INSERT …"`; every value is validated or escaped as a
 * SQL string literal, and wrangler is run without a shell. The password itself never reaches
 * wrangler, the command line or a log: only its hash does.
 */
import { usernameSchema } from "../worker/staff/accounts";
import { generatePassword, hashPassword, passwordProblem } from "../worker/staff/password";

// The project's tsconfig carries Workers types only (no @types/node): declare the little used.
interface ChildProcess {
  execFileSync(file: string, args: string[], options: { encoding: "utf8"; stdio: ["ignore", "pipe", "pipe"]; cwd: string; maxBuffer: number }): string;
}
interface Fs {
  readFileSync(fd: number, encoding: "utf8"): string;
}
declare const process: {
  argv: string[];
  exitCode?: number;
  execPath: string;
  cwd(): string;
  stdin: { isTTY?: boolean };
  stdout: { write(text: string): void };
  getBuiltinModule(id: "node:child_process"): ChildProcess;
  getBuiltinModule(id: "node:fs"): Fs;
};

interface Options {
  username: string;
  displayName: string;
  displayNameGiven: boolean;
  target: "--local" | "--remote";
  persistTo: string | null;
  generate: boolean;
  reset: boolean;
  ifNone: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const opts: Options = { username: "", displayName: "Quản trị viên", displayNameGiven: false, target: "--local", persistTo: null, generate: false, reset: false, ifNone: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--username") opts.username = value();
    else if (arg === "--display-name") {
      opts.displayName = value();
      opts.displayNameGiven = true;
    }
    else if (arg === "--local" || arg === "--remote") opts.target = arg;
    else if (arg === "--persist-to") opts.persistTo = value();
    else if (arg === "--generate") opts.generate = true;
    else if (arg === "--reset") opts.reset = true;
    else if (arg === "--if-none") opts.ifNone = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  const username = usernameSchema.safeParse(opts.username);
  if (!username.success) throw new UsageError(opts.username === "" ? "--username is required" : username.error.issues[0]!.message);
  opts.username = username.data;
  opts.displayName = opts.displayName.trim();
  if (opts.displayName === "" || opts.displayName.length > 80 || /[\u0000-\u001f]/.test(opts.displayName)) throw new UsageError("--display-name: 1–80 printable characters");
  if (opts.persistTo !== null && opts.target === "--remote") throw new UsageError("--persist-to is for --local only");
  if (opts.reset && opts.ifNone) throw new UsageError("--reset and --if-none do not go together");
  return opts;
}

/** The password from stdin (first line), or null to generate one. */
function passwordFromStdin(opts: Options): string | null {
  if (opts.generate || process.stdin.isTTY) return null;
  let text: string;
  try {
    text = process.getBuiltinModule("node:fs").readFileSync(0, "utf8");
  } catch {
    return null; // no stdin at all
  }
  const line = text.split(/\r?\n/)[0] ?? "";
  return line === "" ? null : line;
}

/** A SQL string literal: quotes doubled; NUL refused (SQLite would cut the string there). */
function sqlString(value: string): string {
  if (value.includes("\u0000")) throw new UsageError("NUL characters are not allowed");
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

function insertSql(opts: Options, hash: { hash: string; salt: string; iterations: number }, nowMs: number): string {
  const columns = "id, username, display_name, role, branch_ids, password_hash, password_salt, password_iterations, failed_logins, sessions_valid_after, created_at, updated_at";
  const values = [
    sqlString(crypto.randomUUID()),
    sqlString(opts.username),
    sqlString(opts.displayName),
    "'admin'",
    "'[]'",
    sqlString(hash.hash),
    sqlString(hash.salt),
    sqlInt(hash.iterations),
    "0",
    "0",
    sqlInt(nowMs),
    sqlInt(nowMs),
  ].join(", ");
  // RETURNING tells whether a row was written (wrangler's local --json output carries no change count).
  if (opts.ifNone) return `INSERT INTO staff (${columns}) SELECT ${values} WHERE NOT EXISTS (SELECT 1 FROM staff) RETURNING id`;
  if (!opts.reset) return `INSERT INTO staff (${columns}) VALUES (${values}) RETURNING id`;
  return (
    `INSERT INTO staff (${columns}) VALUES (${values}) ON CONFLICT(username) DO UPDATE SET ` +
    (opts.displayNameGiven ? "display_name = excluded.display_name, " : "") +
    "role = 'admin', branch_ids = '[]', password_hash = excluded.password_hash, " +
    "password_salt = excluded.password_salt, password_iterations = excluded.password_iterations, failed_logins = 0, " +
    "locked_until = NULL, disabled_at = NULL, sessions_valid_after = MAX(excluded.updated_at, staff.sessions_valid_after + 1), " +
    "updated_at = excluded.updated_at RETURNING id"
  );
}

/** Runs `wrangler d1 execute DB … --json --command SQL` (no shell); returns how many rows it returned. */
function execute(opts: Options, sql: string): number {
  const root = process.cwd();
  const args = [`${root}/node_modules/wrangler/bin/wrangler.js`, "d1", "execute", "DB", opts.target, "--yes", "--json", "--command", sql];
  if (opts.persistTo !== null) args.push("--persist-to", opts.persistTo);
  let out: string;
  try {
    out = process.getBuiltinModule("node:child_process").execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message?: string };
    const text = `${e.stdout ?? ""}\n${e.stderr ?? ""}`;
    if (/UNIQUE constraint failed: staff\.username/.test(text)) {
      throw new UsageError(`the username "${opts.username}" exists already (use --reset to give it a new password)`);
    }
    if (/no such table: staff/.test(text)) throw new UsageError("D1 has no staff table: apply the migrations first (wrangler d1 migrations apply DB)");
    // wrangler's own message (no password in it: only the hash went to wrangler)
    throw new Error(`wrangler d1 execute failed:\n${text.trim() || e.message}`);
  }
  const parsed = JSON.parse(out.slice(out.indexOf("["))) as Array<{ results?: unknown[] }>;
  return parsed.reduce((n, r) => n + (r.results?.length ?? 0), 0);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const given = passwordFromStdin(opts);
  const password = given ?? generatePassword();
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  const changes = execute(opts, insertSql(opts, await hashPassword(password), Date.now()));
  const where = opts.target === "--remote" ? "remote D1" : `local D1${opts.persistTo ? ` (${opts.persistTo})` : ""}`;
  if (changes === 0) {
    // Only --if-none gets here: accounts exist, nothing was created, no password to show.
    process.stdout.write(`staff accounts exist already in the ${where}: no administrator created\n`);
    return;
  }
  process.stdout.write(`administrator "${opts.username}" ${opts.reset ? "created or reset" : "created"} in the ${where}\n`);
  if (given === null) {
    process.stdout.write(`password: ${password}\n`);
    process.stdout.write("(shown only now; after signing in, change it with POST /api/v1/staff/accounts/<id>/password)\n");
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`create-admin: ${err.message}`);
    console.error("usage: tsx scripts/create-admin.ts --username NAME [--display-name TEXT] [--local | --remote] [--persist-to DIR] [--generate] [--reset | --if-none]");
    process.exitCode = 2;
  } else {
    console.error(`create-admin: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
});
