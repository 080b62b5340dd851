/**
 * Crash test: the local runtime is killed (SIGKILL, no shutdown) in the middle of a rush, started
 * again on the same persisted state, and the service must have lost nothing:
 *
 *   1. every booking that got a 2xx reply exists, with the same ticket id and number;
 *   2. no number was issued twice (ids, reservations, field + number);
 *   3. the per-citizen limits agree with the tickets: the service's own reconciliation
 *      (GET /api/v1/staff/branches/:id/days/:date/reconciliation, worker/routes/reconcile.ts)
 *      finds every ticket's reservation confirmed in its citizen's ledger and no citizen over
 *      2 a day / 1 per field; pending reservations left by requests that died with the runtime
 *      are settled by the ledgers' alarms (within about a minute), then none is pending;
 *   4. the outbox drains and D1's ticket history equals the branch-day's tickets.
 * After the restart every request that got no answer is retried with its Idempotency-Key (as a
 * client would): a booking issued before the crash comes back as the same ticket, never a second.
 *
 *   npm run bench:crash [-- --citizens 3000 --concurrency 100 --kill-after 0.4 --disk]
 *   bash scripts/with-node.sh npx tsx bench/crash-test.ts [options]
 *
 * Exit status 0 when every check holds, 1 otherwise. Ports 8810 (server) and 8811 (inspector).
 */
import { citizenId, citizenIp } from "./lib/citizens";
import { expectOk, pool, request, type Timed } from "./lib/client";
import { startHarness, type Harness } from "./lib/harness";
import { fs, nowMs, proc, sleep } from "./lib/node";
import { BENCH_FIELD, CAP_FIELD } from "./lib/seed";

const BRANCH = "bench-crash";

function opt(name: string, dflt: number): number {
  const i = proc.argv.indexOf(name);
  const v = i > 0 ? Number(proc.argv[i + 1]) : dflt;
  if (!Number.isFinite(v)) throw new Error(`${name}: a number, please`);
  return v;
}

interface Attempt {
  citizen: number;
  fieldCode: string;
  key: string;
  first: Timed | null;
  retry: Timed | null;
}

const checks: Array<{ name: string; ok: boolean; detail: string }> = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
}

function bookingOf(a: Attempt): Timed | null {
  for (const r of [a.retry, a.first]) if (r && (r.status === 200 || r.status === 201)) return r;
  return null;
}

async function reconcileAll(h: Harness): Promise<{ ok: boolean; problems: unknown[]; pending: number; labels: Map<string, string>; history: { matches: boolean; outboxPending: number; rows: number }; tickets: number }> {
  let from: number | null = 1;
  let ok = true;
  let pending = 0;
  const problems: unknown[] = [];
  const labels = new Map<string, string>();
  let history = { matches: true, outboxPending: 0, rows: 0 };
  let tickets = 0;
  while (from !== null) {
    const r = await expectOk(h.service.base, "GET", `/api/v1/staff/branches/${BRANCH}/days/${h.today}/reconciliation?from=${from}&limit=5000`, { headers: h.staff });
    ok &&= r.ok === true;
    pending += r.ledgers.pending as number;
    problems.push(...(r.problems as unknown[]));
    for (const t of r.numbers as Array<{ id: string; label: string }>) labels.set(t.id, t.label);
    history = r.history;
    tickets = r.tickets as number;
    from = r.page.next as number | null;
  }
  return { ok, problems, pending, labels, history, tickets };
}

async function main(): Promise<number> {
  const n = opt("--citizens", 3000);
  const concurrency = opt("--concurrency", 100);
  const killAfter = opt("--kill-after", 0.4);
  const onDisk = proc.argv.includes("--disk");
  const h = await startHarness({ port: 8810, inspectorPort: 8811, branches: [BRANCH], capPerBranch: Math.floor(n / 40), direct: true, onDisk });
  let failed = true;
  try {
    console.log(`crash test: ${n} citizens into ${BRANCH} (${h.today}) at concurrency ${concurrency}; SIGKILL after ${Math.round(killAfter * 100)}% of the replies; state in ${h.tmp}`);
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) tokens.push(await h.platform.sign(citizenId(70, i), h.serviceNow()));
    await pool(n, 50, async (i) => {
      await expectOk(h.service.base, "GET", "/api/v1/auth/me", { headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(70, i) } });
    });
    // Every 10th citizen asks for the capped field; every 25th tries the same field twice.
    const attempts: Attempt[] = [];
    for (let i = 0; i < n; i++) attempts.push({ citizen: i, fieldCode: i % 10 === 3 ? CAP_FIELD : BENCH_FIELD, key: `crash-${i}-1`, first: null, retry: null });
    for (let i = 0; i < n; i += 25) attempts.push({ citizen: i, fieldCode: attempts[i]!.fieldCode, key: `crash-${i}-2`, first: null, retry: null });
    const send = (a: Attempt) =>
      request(h.service.base, "POST", "/api/v1/tickets", {
        headers: { authorization: `Bearer ${tokens[a.citizen]}`, "cf-connecting-ip": citizenIp(70, a.citizen), "idempotency-key": a.key },
        body: { branchId: BRANCH, fieldCode: a.fieldCode },
        timeoutMs: 20_000,
      });

    // The rush, and the kill in the middle of it.
    let replies = 0;
    let killedAt = -1;
    let killed: number[] = [];
    const killAt = Math.floor(attempts.length * killAfter);
    const t0 = nowMs();
    await pool(attempts.length, concurrency, async (i) => {
      const a = attempts[i]!;
      a.first = await send(a);
      if (a.first.status !== 0) replies++;
      if (killedAt < 0 && replies >= killAt) {
        killedAt = replies;
        killed = h.service.killRuntime();
        console.log(`SIGKILL → workerd ${killed.join(", ")} after ${replies} replies (${((nowMs() - t0) / 1000).toFixed(1)} s into the rush)`);
      }
    });
    const firstOk = attempts.filter((a) => a.first && (a.first.status === 200 || a.first.status === 201)).length;
    const noAnswer = attempts.filter((a) => a.first?.status === 0).length;
    const answered5xx = attempts.filter((a) => (a.first?.status ?? 0) >= 500).length;
    console.log(`before/around the crash: ${firstOk} booked (2xx), ${noAnswer} without an answer, ${answered5xx} 5xx, the rest refused by a rule`);
    check("the kill happened mid-rush", killed.length > 0 && killedAt > 0 && killedAt < attempts.length, `${killed.length} workerd processes killed after ${killedAt}/${attempts.length} replies`);

    // Restart on the same state, same demo clock (it must not jump back), same secrets.
    await h.service.stop();
    const restarted = await startHarness({
      port: 8810,
      inspectorPort: 8811,
      branches: [BRANCH],
      capPerBranch: Math.floor(n / 40),
      direct: true,
      tmp: h.tmp,
      stateDir: `${h.tmp}/state`,
      staff: h.staff,
      extraArgs: ["--var", `CLOCK_OFFSET_MS:${h.clockOffsetMs}`],
    });
    Object.assign(h, { service: restarted.service });
    console.log(`restarted on the same state: ${h.service.base}`);

    // Clients retry what got no answer (or a 5xx), with the same Idempotency-Key.
    const retry = attempts.filter((a) => !a.first || a.first.status === 0 || a.first.status >= 500);
    await pool(retry.length, 50, async (i) => {
      const a = retry[i]!;
      a.retry = await send(a);
    });
    const retry5xx = retry.filter((a) => a.retry!.status === 0 || a.retry!.status >= 500).length;
    check("retries after the restart are answered", retry5xx === 0, `${retry.length} retried, ${retry5xx} still without an answer or 5xx`);
    // A booking answered 2xx before the crash and retried? Not retried: only unanswered ones are.
    // A booking answered before the crash must not change when asked again with its key.
    const sample = attempts.filter((a) => a.first && (a.first.status === 201 || a.first.status === 200)).filter((_, i) => i % 10 === 0);
    let changed = 0;
    await pool(sample.length, 50, async (i) => {
      const a = sample[i]!;
      const again = await send(a);
      if (again.json?.ticket?.id !== a.first!.json?.ticket?.id || again.json?.ticket?.label !== a.first!.json?.ticket?.label) changed++;
    });
    check("an answered booking asked again (same key) is the same ticket", changed === 0, `${sample.length} asked again, ${changed} differ`);

    // Wait for the ledgers' alarms to settle reservations left pending by the crash, and for
    // the outbox to drain to D1.
    let rec = await reconcileAll(h);
    const until = nowMs() + 180_000;
    while ((rec.pending > 0 || !rec.history.matches) && nowMs() < until) {
      console.log(`  waiting: ${rec.pending} reservations pending, outbox ${rec.history.outboxPending}, history ${rec.history.matches ? "matches" : "not yet"}`);
      await sleep(10_000);
      rec = await reconcileAll(h);
    }

    // 1. every 2xx booking exists with the same id and number.
    const booked = attempts.map((a) => ({ a, r: bookingOf(a) })).filter((x) => x.r !== null);
    const missing = booked.filter(({ r }) => rec.labels.get(r!.json.ticket.id) !== r!.json.ticket.label);
    check("every acknowledged booking exists with the same number", missing.length === 0, `${booked.length} acknowledged, ${missing.length} missing or renumbered`);
    // 2. no number twice, from the replies and from the service.
    const ids = new Set(booked.map(({ r }) => r!.json.ticket.id as string));
    const perCitizenField = new Map<string, Set<string>>();
    for (const { a, r } of booked) {
      const k = `${a.citizen}|${a.fieldCode}`;
      perCitizenField.set(k, (perCitizenField.get(k) ?? new Set()).add(r!.json.ticket.id as string));
    }
    const doubled = [...perCitizenField.values()].filter((s) => s.size > 1).length;
    const labels = [...rec.labels.values()];
    check("no number issued twice", new Set(labels).size === labels.length && doubled === 0, `${labels.length} tickets, ${new Set(labels).size} distinct numbers; ${doubled} citizens with two tickets in one field; ${ids.size} distinct tickets acknowledged`);
    // 3. the service's reconciliation (ledgers and limits).
    check("reconciliation: ledgers agree with the tickets, limits hold, nothing pending", rec.ok && rec.pending === 0, rec.ok ? `${rec.tickets} tickets, ${rec.pending} pending` : `${rec.problems.length} problems: ${JSON.stringify(rec.problems.slice(0, 5))}`);
    // 4. the outbox drained and D1 history matches.
    check("outbox drained and D1 history equals the day", rec.history.matches, JSON.stringify(rec.history));
    const capTickets = labels.filter((l) => l.startsWith("K")).length;
    check("the capped field is exact", capTickets === Math.floor(n / 40), `${capTickets} issued, cap ${Math.floor(n / 40)} (asked by ${Math.ceil(n / 10)} citizens)`);

    const bad = checks.some((c) => !c.ok);
    fs.mkdirSync("bench/results", { recursive: true });
    fs.writeFileSync(`bench/results/crash-test.json`, `${JSON.stringify({ at: new Date().toISOString(), citizens: n, concurrency, killAfter, killed, checks, ok: !bad }, null, 2)}\n`);
    console.log(`\ncrash test ${bad ? "FAILED" : "passed"} (bench/results/crash-test.json)`);
    failed = bad;
    return bad ? 1 : 0;
  } finally {
    await h.service.stop();
    if (failed || proc.argv.includes("--keep")) console.log(`(state and server log kept in ${h.tmp})`);
    else fs.rmSync(h.tmp, { recursive: true, force: true });
  }
}

try {
  proc.exitCode = await main();
} catch (err) {
  console.error(`crash test: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  proc.exitCode = 1;
}
proc.exit(proc.exitCode);
