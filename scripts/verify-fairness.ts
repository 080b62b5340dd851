/**
 * Verifies a branch-day's fairness chain from outside the service: anyone can run it against any
 * deployment. It downloads the chain from the public API, recomputes every hash with the same
 * code the service uses (shared/fairness.ts), replays the day and checks that every call followed
 * registration order (priority first) or carries a recorded reason, and optionally that a
 * ticket's receipt is in the chain and that the chain contains a head you recorded earlier.
 *
 *   bash scripts/with-node.sh npx tsx scripts/verify-fairness.ts \
 *     --base https://sothutu.example.gov.vn --branch hn-cn01 --date 2026-11-23 \
 *     [--position 12 --hash <entryHash> [--label A015]] [--head <length>:<hash>] [--lang vi|en] [--json]
 *
 * Exit code: 0 verified, 1 the chain or the receipt failed verification, 2 usage or network error.
 * The summary is printed in Vietnamese and English (or one of them with --lang).
 */
import {
  CHAIN_PROBLEMS,
  chainHeadSchema,
  checkReceipt,
  describeProblem,
  verifyChain,
  type ChainHead,
  type ChainReport,
  type FairnessReceipt,
} from "../shared/fairness";

// The project's tsconfig carries Workers types only (no @types/node): declare the little used.
declare const process: { argv: string[]; exitCode?: number; stdout: { write(s: string): void }; stderr: { write(s: string): void } };

type Lang = "vi" | "en";

interface Args {
  base: string;
  branch: string;
  date: string;
  position?: number;
  hash?: string;
  label?: string;
  head?: ChainHead;
  langs: Lang[];
  json: boolean;
}

const USAGE = "usage: verify-fairness --base <url> --branch <id> --date <YYYY-MM-DD> [--position N --hash H [--label L]] [--head LENGTH:HASH] [--lang vi|en] [--json]";

function parseArgs(argv: string[]): Args | string {
  const opts = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) return `unexpected argument ${a}`;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) opts.set(a.slice(2), true);
    else opts.set(a.slice(2), (i++, next));
  }
  const str = (k: string) => (typeof opts.get(k) === "string" ? (opts.get(k) as string) : undefined);
  const base = str("base");
  const branch = str("branch");
  const date = str("date");
  if (!base || !branch || !date) return "--base, --branch and --date are required";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return "--date: YYYY-MM-DD";
  const args: Args = { base: base.replace(/\/+$/, ""), branch, date, langs: ["vi", "en"], json: opts.has("json") };
  const lang = str("lang");
  if (lang === "vi" || lang === "en") args.langs = [lang];
  else if (lang !== undefined) return "--lang: vi or en";
  if (opts.has("position") || opts.has("hash")) {
    const position = Number(str("position"));
    const hash = str("hash");
    if (!Number.isInteger(position) || position < 0 || !hash) return "--position and --hash go together";
    args.position = position;
    args.hash = hash.toLowerCase();
    args.label = str("label");
  }
  const head = str("head");
  if (head !== undefined) {
    const [length, hash] = head.split(":");
    const parsed = chainHeadSchema.safeParse({ length: Number(length), hash: hash?.toLowerCase() });
    if (!parsed.success) return "--head: <length>:<64 hex characters>";
    args.head = parsed.data;
  }
  return args;
}

interface Downloaded {
  entries: unknown[];
  head: ChainHead;
  published: (ChainHead & { publishedAt: number }) | null;
  dayEnded: boolean;
}

async function download(args: Args): Promise<Downloaded> {
  const entries: unknown[] = [];
  let cursor: string | null = null;
  let first: Omit<Downloaded, "entries"> | null = null;
  do {
    const url = `${args.base}/api/v1/fairness/branches/${encodeURIComponent(args.branch)}/days/${args.date}?limit=1000${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await fetch(url, { headers: { accept: "application/json" } });
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok || !body) throw new Error(`${url}: HTTP ${res.status} ${body && typeof body.title === "string" ? body.title : ""}`);
    first ??= { head: chainHeadSchema.parse(body.head), published: (body.published as Downloaded["published"]) ?? null, dayEnded: body.dayEnded === true };
    entries.push(...(Array.isArray(body.items) ? body.items : []));
    cursor = typeof body.nextCursor === "string" ? body.nextCursor : null;
  } while (cursor !== null);
  return { ...first!, entries };
}

const T = {
  title: { vi: "Kiểm chứng công bằng", en: "Fairness verification" },
  chain: { vi: "Chuỗi", en: "Chain" },
  entries: { vi: "mục", en: "entries" },
  ok: { vi: "HỢP LỆ: mọi mã băm và liên kết đúng; mọi lần gọi số theo đúng thứ tự đăng ký (ưu tiên trước) hoặc có lý do được ghi lại.", en: "VALID: every hash and link holds; every call followed registration order (priority first) or has a recorded reason." },
  bad: { vi: "KHÔNG HỢP LỆ", en: "NOT VALID" },
  notEnded: { vi: "Ngày chưa kết thúc: chuỗi còn tiếp tục.", en: "The day has not ended: the chain is still growing." },
  published: { vi: "Đầu chuỗi đã công bố", en: "Published head" },
  receiptOk: { vi: "Biên nhận có trong chuỗi", en: "The receipt is in the chain" },
  receiptBad: { vi: "Biên nhận không khớp", en: "The receipt does not match" },
};

function summaryLines(r: ChainReport, lang: Lang): string[] {
  const s = r.summary;
  const vi = [
    `Đã cấp ${s.issued} số (${s.priorityIssued} ưu tiên), huỷ ${s.cancelled}.`,
    `Gọi số: ${s.calls.next} theo thứ tự, ${s.calls.priority} ưu tiên, ${s.calls.specific} do cán bộ chọn; gọi lại ${s.recalls}; vắng mặt ${s.noShows}; đã phục vụ ${s.served}; chuyển lĩnh vực ${s.transfers}; hết hiệu lực ${s.expired}.`,
  ];
  const en = [
    `Issued ${s.issued} numbers (${s.priorityIssued} priority), ${s.cancelled} cancelled.`,
    `Calls: ${s.calls.next} in order, ${s.calls.priority} priority, ${s.calls.specific} chosen by a clerk; ${s.recalls} recalls; ${s.noShows} no-shows; ${s.served} served; ${s.transfers} transfers; ${s.expired} expired.`,
  ];
  const lines = lang === "vi" ? vi : en;
  for (const o of r.outOfTurn) {
    lines.push(
      lang === "vi"
        ? `  Số ${o.label} được gọi ngoài thứ tự tại quầy ${o.counter} (mục ${o.position}), trước ${o.bypassed} số đang chờ.`
        : `  ${o.label} was called out of turn at counter ${o.counter} (entry ${o.position}), ahead of ${o.bypassed} waiting numbers.`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`${args}\n${USAGE}\n`);
    return 2;
  }
  let chain: Downloaded;
  try {
    chain = await download(args);
  } catch (err) {
    process.stderr.write(`Không tải được chuỗi / could not download the chain: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  // Check against the head you trust most: one you recorded, else the one the service published.
  const expected = args.head ?? (chain.published ? { length: chain.published.length, hash: chain.published.hash } : undefined);
  const report = verifyChain(args.branch, args.date, chain.entries, expected);
  let receipt: ReturnType<typeof checkReceipt> | null = null;
  if (args.position !== undefined) {
    const r: FairnessReceipt = { branchId: args.branch, serviceDate: args.date, position: args.position, entryHash: args.hash!, ...(args.label ? { label: args.label } : {}) };
    receipt = checkReceipt(r, chain.entries, report);
  }
  const ok = report.ok && (receipt === null || receipt.ok);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok, report, receipt }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  for (const lang of args.langs) {
    const out: string[] = [];
    out.push(`${T.title[lang]} — ${args.branch} ${args.date}`);
    out.push(`${T.chain[lang]}: ${report.head.length} ${T.entries[lang]}, head ${report.head.hash}`);
    if (chain.published) out.push(`${T.published[lang]}: ${chain.published.length} ${T.entries[lang]}, ${chain.published.hash}`);
    if (!chain.dayEnded) out.push(T.notEnded[lang]);
    out.push(report.ok ? T.ok[lang] : `${T.bad[lang]}:`);
    for (const p of report.problems) out.push(`  ${describeProblem(p, lang)}`);
    out.push(...summaryLines(report, lang));
    if (receipt) {
      out.push(receipt.ok ? `${T.receiptOk[lang]}: ${receipt.entry!.label} (${new Date(receipt.entry!.at).toISOString()})` : `${T.receiptBad[lang]}: ${CHAIN_PROBLEMS[receipt.code!][lang]}`);
    }
    process.stdout.write(`${out.join("\n")}\n\n`);
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
