/**
 * Verifiable fairness: each branch-day keeps a hash chain of what happened to its queue (numbers
 * issued, calls and why, recalls, no-shows, transfers, cancellations, check-ins, counters
 * opened/changed, the end of the day). Every entry commits to the previous entry's hash, so
 * nobody can insert, drop, reorder or edit an entry without changing every later hash: the
 * receipts citizens already hold and the head published at the end of the day.
 *
 * This module is the one definition of the entry format, its canonical serialization and hashing,
 * and the pure verifier, shared by the branch-day object (which writes the chain), the API, the
 * command-line verifier (scripts/verify-fairness.ts) and the web page (web/verify).
 *
 * Hashing is synchronous (@noble/hashes) on purpose: the object appends entries inside the same
 * synchronous SQLite transaction that issues the number, where WebCrypto's promises would let
 * other requests interleave.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { z } from "zod";
import { branchIdSchema, isoDateSchema } from "./api-schemas";
import { CHANNELS } from "./ticket-vocabulary";

/** Written into every hash, so a future format can never be confused with this one. */
export const FAIRNESS_FORMAT = "sothutu-fairness/1";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex characters");
const seqSchema = z.number().int().min(1).max(1_000_000);
const counterSchema = z.number().int().min(1).max(10_000);
const codeSchema = z.string().min(1).max(64);

/** Why a number was called. `next` and `priority` are checked against the reconstructed line. */
export const CALL_REASONS = ["next", "priority", "specific"] as const;
export type CallReason = (typeof CALL_REASONS)[number];

/**
 * The events, each with its fields in hashing order (the order below is the canonical order).
 * `citizen` is a keyed hash of the citizen, different for every branch-day (see `citizenTag`).
 */
const EVENT_SHAPES = {
  /** The day's calling rule: with `callVerifiedOnly`, only numbers checked in at reception are called. */
  rules: { callVerifiedOnly: z.boolean() },
  /** A number was issued; `at` is its registration time, `seq` its registration order. */
  issue: {
    seq: seqSchema,
    label: codeSchema,
    field: codeSchema,
    /**
     * A priority case (served first). Only whether, never which group: "disability" or "pregnant"
     * next to a number called in the hall would be sensitive personal data.
     */
    priority: z.boolean(),
    channel: z.enum(CHANNELS),
    /** Already checked in (a walk-in whose identity staff checked while issuing). */
    verified: z.boolean(),
    citizen: z.string().regex(/^[0-9a-f]{32}$/),
  },
  cancel: { seq: seqSchema },
  /** Reception matched the citizen to the number: now callable where `callVerifiedOnly` holds. */
  check_in: { seq: seqSchema },
  /** A counter opened, paused, resumed, closed or changed the fields it serves. */
  counter: { counter: counterSchema, status: z.enum(["open", "paused", "closed"]), fields: z.array(codeSchema).max(100) },
  call: { seq: seqSchema, counter: counterSchema, reason: z.enum(CALL_REASONS) },
  recall: { seq: seqSchema, counter: counterSchema },
  no_show: { seq: seqSchema, counter: counterSchema },
  serve: { seq: seqSchema, counter: counterSchema },
  /** The counter handed the number to another field: it waits there with its registration order. */
  transfer: { seq: seqSchema, counter: counterSchema, toField: codeSchema },
  /** The end of the service day: these numbers expired (everything still waiting, and called ones). */
  expire: { seqs: z.array(seqSchema).max(1_000_000) },
} as const;

export type ChainEventKind = keyof typeof EVENT_SHAPES;
export const CHAIN_EVENT_KINDS = Object.keys(EVENT_SHAPES) as ChainEventKind[];

const entryBase = { position: z.number().int().min(0), at: z.number().int().min(0), prev: hex64, hash: hex64 };

function entrySchemaOf<K extends ChainEventKind>(kind: K) {
  return z.strictObject({ ...entryBase, kind: z.literal(kind), ...EVENT_SHAPES[kind] });
}

/** One chain entry as published (API, script, page). */
export const chainEntrySchema = z.discriminatedUnion("kind", [
  entrySchemaOf("rules"),
  entrySchemaOf("issue"),
  entrySchemaOf("cancel"),
  entrySchemaOf("check_in"),
  entrySchemaOf("counter"),
  entrySchemaOf("call"),
  entrySchemaOf("recall"),
  entrySchemaOf("no_show"),
  entrySchemaOf("serve"),
  entrySchemaOf("transfer"),
  entrySchemaOf("expire"),
]);
export type ChainEntry = z.infer<typeof chainEntrySchema>;
/** An event before it is placed in the chain. */
export type ChainEvent = ChainEntry extends infer E ? (E extends ChainEntry ? Omit<E, "position" | "at" | "prev" | "hash"> : never) : never;

/** The head of a chain: how many entries, and the hash of the last (the genesis hash when empty). */
export const chainHeadSchema = z.strictObject({ length: z.number().int().min(0), hash: hex64 });
export type ChainHead = z.infer<typeof chainHeadSchema>;

// What a ticket's holder keeps (position and entry hash) is part of the ticket view.
export { receiptRefSchema, type ReceiptRef } from "./live-views";

/** A receipt to check: the day, the entry, and (optionally) what the ticket shows. */
export const fairnessReceiptSchema = z.strictObject({
  branchId: branchIdSchema,
  serviceDate: isoDateSchema,
  position: z.number().int().min(0).max(10_000_000),
  entryHash: hex64,
  seq: seqSchema.optional(),
  label: codeSchema.optional(),
  registeredAt: z.number().int().min(0).optional(),
});
export type FairnessReceipt = z.infer<typeof fairnessReceiptSchema>;

// ---- Hashing ----

function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The hash the first entry links to: binds the chain to its branch and day. */
export function genesisHash(branchId: string, date: string): string {
  return sha256Hex(JSON.stringify([FAIRNESS_FORMAT, "genesis", branchId, date]));
}

/**
 * The canonical text of an entry: a JSON array (no whitespace, as ECMAScript JSON.stringify
 * writes it) of the format, position, previous hash, time, kind and the event's fields in the
 * order of EVENT_SHAPES. Arrays, integers, booleans, null and ASCII strings serialize the same
 * in every language, so any implementation can recompute the hash.
 */
export function canonicalEntry(position: number, prev: string, at: number, event: ChainEvent): string {
  const fields = Object.keys(EVENT_SHAPES[event.kind]).map((k) => (event as Record<string, unknown>)[k]);
  return JSON.stringify([FAIRNESS_FORMAT, position, prev, at, event.kind, ...fields]);
}

export function entryHash(position: number, prev: string, at: number, event: ChainEvent): string {
  return sha256Hex(canonicalEntry(position, prev, at, event));
}

/** Places an event after `head`: the published entry (one SHA-256). */
export function chainEntry(head: ChainHead, at: number, event: ChainEvent): ChainEntry {
  const hash = entryHash(head.length, head.hash, at, event);
  return { ...event, position: head.length, at, prev: head.hash, hash } as ChainEntry;
}

/**
 * The citizen's pseudonym in one branch-day's chain: HMAC-SHA256 keyed with the citizen key (itself
 * a keyed hash of the ID number that only the service can compute) over the branch and day,
 * truncated to 128 bits. The same citizen gets the same tag within a day (so anyone can check the
 * per-citizen limits there) and unrelated tags on other days and branches (so chains cannot be
 * linked); without the service's secret nobody can tell whose tag it is.
 */
export function citizenTag(citizenKey: string, branchId: string, date: string): string {
  const mac = hmac(sha256, utf8ToBytes(citizenKey), utf8ToBytes(JSON.stringify([FAIRNESS_FORMAT, "citizen", branchId, date])));
  return bytesToHex(mac).slice(0, 32);
}

// ---- Verifying ----

/** What can be wrong with a chain or a receipt, each with a Vietnamese and an English sentence. */
export const CHAIN_PROBLEMS = {
  malformed_entry: { vi: "Mục không đúng định dạng.", en: "The entry is malformed." },
  position_gap: { vi: "Vị trí các mục không liên tục.", en: "Entry positions are not consecutive." },
  broken_link: { vi: "Mục không trỏ tới mã băm của mục trước (chuỗi bị sửa, chèn hoặc xoá).", en: "The entry does not link to the previous entry's hash (the chain was edited, or an entry inserted or removed)." },
  hash_mismatch: { vi: "Mã băm không khớp nội dung mục (mục đã bị sửa).", en: "The hash does not match the entry's content (the entry was altered)." },
  head_mismatch: { vi: "Đầu chuỗi không khớp với đầu chuỗi đã công bố.", en: "The chain does not match the published head." },
  seq_out_of_order: { vi: "Số thứ tự đăng ký không liên tiếp (có số bị chèn hoặc bỏ).", en: "Registration sequence is not consecutive (a number was inserted or dropped)." },
  time_out_of_order: { vi: "Thời điểm đăng ký đi lùi so với số trước.", en: "A registration time is earlier than the previous number's." },
  issued_after_day_end: { vi: "Cấp số sau khi ngày làm việc đã kết thúc.", en: "A number was issued after the service day ended." },
  duplicate_label: { vi: "Một số được cấp hai lần.", en: "The same number was issued twice." },
  citizen_limit: { vi: "Một công dân giữ quá số lượng số cho phép trong ngày.", en: "One citizen held more numbers than allowed in a day." },
  unknown_ticket: { vi: "Mục nhắc tới một số chưa được cấp.", en: "The entry refers to a number that was never issued." },
  invalid_transition: { vi: "Trạng thái của số không cho phép thao tác này.", en: "The number's state does not allow this event." },
  counter_not_open: { vi: "Gọi số tại quầy chưa mở.", en: "A number was called at a counter that is not open." },
  counter_busy: { vi: "Quầy gọi số mới khi chưa xong số hiện tại.", en: "The counter called a number while still handling another." },
  counter_mismatch: { vi: "Thao tác không thuộc số quầy đang phục vụ.", en: "The event is not about the counter's current number." },
  field_not_served: { vi: "Quầy gọi số của lĩnh vực mà quầy không phục vụ.", en: "The counter called a number of a field it does not serve." },
  not_checked_in: { vi: "Gọi số chưa được lễ tân xác nhận, trong khi quy định chỉ gọi số đã xác nhận.", en: "A number not checked in was called while only checked-in numbers may be." },
  call_out_of_order: { vi: "Gọi số không đúng thứ tự đăng ký mà không ghi lý do.", en: "A number was called out of registration order without a recorded reason." },
  wrong_reason: { vi: "Lý do gọi số không đúng (ưu tiên/thường).", en: "The recorded call reason is wrong (priority/regular)." },
  expiry_incomplete: { vi: "Hết ngày nhưng vẫn còn số đang chờ không bị huỷ hiệu lực.", en: "The day ended but numbers still waiting were not expired." },
  day_ended_twice: { vi: "Ngày làm việc kết thúc hai lần.", en: "The service day ended twice." },
  receipt_not_found: { vi: "Không có mục nào ở vị trí ghi trên biên nhận.", en: "There is no entry at the receipt's position." },
  receipt_mismatch: { vi: "Biên nhận không khớp với mục trong chuỗi (biên nhận hoặc chuỗi đã bị sửa).", en: "The receipt does not match the chain's entry (the receipt or the chain was altered)." },
  receipt_chain_invalid: { vi: "Chuỗi chứa biên nhận không hợp lệ.", en: "The chain holding the receipt is not valid." },
} as const satisfies Record<string, { vi: string; en: string }>;
export type ChainProblemCode = keyof typeof CHAIN_PROBLEMS;

export interface ChainProblem {
  position: number | null;
  code: ChainProblemCode;
  /** The ticket concerned, when there is one. */
  seq?: number;
}

/** A call made out of registration order for a recorded reason (a clerk chose the number). */
export interface OutOfTurnCall {
  position: number;
  seq: number;
  label: string;
  counter: number;
  /** When the call was made. */
  at: number;
  /** How many callable numbers at that counter were ahead of it and had to wait longer. */
  bypassed: number;
}

export interface ChainSummary {
  issued: number;
  priorityIssued: number;
  cancelled: number;
  calls: Record<CallReason, number>;
  recalls: number;
  noShows: number;
  served: number;
  transfers: number;
  expired: number;
  dayEnded: boolean;
}

export interface ChainReport {
  ok: boolean;
  branchId: string;
  date: string;
  head: ChainHead;
  problems: ChainProblem[];
  summary: ChainSummary;
  outOfTurn: OutOfTurnCall[];
}

/** At most this many problems are listed: one tampering usually breaks everything after it. */
const MAX_PROBLEMS = 50;

type TicketState = "waiting" | "at_counter" | "served" | "no_show" | "cancelled" | "expired";

interface VTicket {
  seq: number;
  label: string;
  field: string;
  issueField: string;
  priority: boolean;
  verified: boolean;
  citizen: string;
  state: TicketState;
  counter: number | null;
}

interface VCounter {
  status: "open" | "paused" | "closed";
  fields: string[];
  current: number | null;
}

/** Sorted insert / remove on seq lists (the waiting lines). */
function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]! > value) i--;
  list.splice(i, 0, value);
}
function removeValue(list: number[], value: number): void {
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Replays the day from its chain: checks every hash and link, then rebuilds the waiting lines
 * and the counters and checks that every call followed registration order (priority first), or
 * carries a recorded reason. `entries` must start at position 0; `head`, when given, is a
 * published head the chain must contain.
 */
export function verifyChain(branchId: string, date: string, rawEntries: readonly unknown[], head?: ChainHead): ChainReport {
  const problems: ChainProblem[] = [];
  const fail = (position: number | null, code: ChainProblemCode, seq?: number) => {
    if (problems.length < MAX_PROBLEMS) problems.push(seq === undefined ? { position, code } : { position, code, seq });
  };
  const summary: ChainSummary = { issued: 0, priorityIssued: 0, cancelled: 0, calls: { next: 0, priority: 0, specific: 0 }, recalls: 0, noShows: 0, served: 0, transfers: 0, expired: 0, dayEnded: false };
  const outOfTurn: OutOfTurnCall[] = [];
  const tickets: VTicket[] = [];
  const labels = new Set<string>();
  const lines = new Map<string, { priority: number[]; regular: number[] }>();
  const counters = new Map<number, VCounter>();
  const heldByCitizen = new Map<string, string[]>();
  let callVerifiedOnly = false;
  let lastRegisteredAt = 0;

  const lineOf = (field: string) => {
    let line = lines.get(field);
    if (!line) lines.set(field, (line = { priority: [], regular: [] }));
    return line;
  };
  const enqueue = (t: VTicket) => insertSorted(t.priority ? lineOf(t.field).priority : lineOf(t.field).regular, t.seq);
  const dequeue = (t: VTicket) => removeValue(t.priority ? lineOf(t.field).priority : lineOf(t.field).regular, t.seq);
  const callable = (t: VTicket) => !callVerifiedOnly || t.verified;
  /** How many callable numbers come before `t` in the line of these fields (priority first, then by seq). */
  const ahead = (fields: string[], t: VTicket): number => {
    let n = 0;
    for (const f of fields) {
      const line = lines.get(f);
      if (!line) continue;
      for (const seq of line.priority) if (seq !== t.seq && (!t.priority || seq < t.seq) && callable(tickets[seq - 1]!)) n++;
      if (!t.priority) for (const seq of line.regular) if (seq < t.seq && callable(tickets[seq - 1]!)) n++;
    }
    return n;
  };
  const counterOf = (n: number) => counters.get(n) ?? { status: "closed" as const, fields: [], current: null };

  let prevHash = genesisHash(branchId, date);
  let length = 0;
  for (let i = 0; i < rawEntries.length; i++) {
    const parsed = chainEntrySchema.safeParse(rawEntries[i]);
    if (!parsed.success) {
      fail(i, "malformed_entry");
      break;
    }
    const e = parsed.data;
    if (e.position !== i) fail(i, "position_gap");
    if (e.prev !== prevHash) fail(i, "broken_link");
    if (entryHash(e.position, e.prev, e.at, e as ChainEvent) !== e.hash) fail(i, "hash_mismatch");
    prevHash = e.hash;
    length = i + 1;
    const ticket = "seq" in e ? tickets[e.seq - 1] : undefined;
    if ("seq" in e && e.kind !== "issue" && !ticket) {
      fail(i, "unknown_ticket", e.seq);
      continue;
    }
    switch (e.kind) {
      case "rules":
        callVerifiedOnly = e.callVerifiedOnly;
        break;
      case "issue": {
        if (e.seq !== tickets.length + 1) fail(i, "seq_out_of_order", e.seq);
        if (e.at < lastRegisteredAt) fail(i, "time_out_of_order", e.seq);
        if (summary.dayEnded) fail(i, "issued_after_day_end", e.seq);
        if (labels.has(e.label)) fail(i, "duplicate_label", e.seq);
        const held = heldByCitizen.get(e.citizen) ?? [];
        if (held.length >= 2 || held.includes(e.field)) fail(i, "citizen_limit", e.seq);
        heldByCitizen.set(e.citizen, [...held, e.field]);
        lastRegisteredAt = Math.max(lastRegisteredAt, e.at);
        labels.add(e.label);
        const t: VTicket = { seq: tickets.length + 1, label: e.label, field: e.field, issueField: e.field, priority: e.priority, verified: e.verified, citizen: e.citizen, state: "waiting", counter: null };
        tickets.push(t);
        enqueue(t);
        summary.issued++;
        if (t.priority) summary.priorityIssued++;
        break;
      }
      case "cancel": {
        if (ticket!.state !== "waiting") fail(i, "invalid_transition", e.seq);
        else {
          dequeue(ticket!);
          ticket!.state = "cancelled";
          const held = heldByCitizen.get(ticket!.citizen) ?? [];
          held.splice(held.indexOf(ticket!.issueField), 1);
          summary.cancelled++;
        }
        break;
      }
      case "check_in":
        if (ticket!.state !== "waiting" && ticket!.state !== "at_counter") fail(i, "invalid_transition", e.seq);
        ticket!.verified = true;
        break;
      case "counter": {
        const c = counterOf(e.counter);
        if (e.status === "closed" && c.current !== null) fail(i, "counter_busy");
        counters.set(e.counter, { status: e.status, fields: [...e.fields], current: e.status === "closed" ? null : c.current });
        break;
      }
      case "call": {
        const t = ticket!;
        const c = counterOf(e.counter);
        if (c.status !== "open") fail(i, "counter_not_open", e.seq);
        if (c.current !== null) fail(i, "counter_busy", e.seq);
        if (t.state !== "waiting") {
          fail(i, "invalid_transition", e.seq);
          break;
        }
        if (!c.fields.includes(t.field)) fail(i, "field_not_served", e.seq);
        if (!callable(t)) fail(i, "not_checked_in", e.seq);
        const before = ahead(c.fields, t);
        if (e.reason === "specific") {
          if (before > 0) outOfTurn.push({ position: i, seq: t.seq, label: t.label, counter: e.counter, at: e.at, bypassed: before });
        } else {
          if (before > 0) fail(i, "call_out_of_order", e.seq);
          else if ((e.reason === "priority") !== t.priority) fail(i, "wrong_reason", e.seq);
        }
        summary.calls[e.reason]++;
        dequeue(t);
        t.state = "at_counter";
        t.counter = e.counter;
        counters.set(e.counter, { ...c, current: t.seq });
        break;
      }
      case "recall":
      case "no_show":
      case "serve":
      case "transfer": {
        const t = ticket!;
        const c = counterOf(e.counter);
        if (t.state !== "at_counter" || c.current !== t.seq || t.counter !== e.counter) {
          fail(i, t.state !== "at_counter" ? "invalid_transition" : "counter_mismatch", e.seq);
          break;
        }
        if (e.kind === "recall") {
          summary.recalls++;
          break;
        }
        counters.set(e.counter, { ...c, current: null });
        t.counter = null;
        if (e.kind === "no_show") {
          t.state = "no_show";
          summary.noShows++;
        } else if (e.kind === "serve") {
          t.state = "served";
          summary.served++;
        } else {
          if (e.toField === t.field) fail(i, "invalid_transition", e.seq);
          t.field = e.toField;
          t.state = "waiting";
          enqueue(t);
          summary.transfers++;
        }
        break;
      }
      case "expire": {
        if (summary.dayEnded) fail(i, "day_ended_twice");
        const listed = new Set(e.seqs);
        for (const seq of listed) {
          const t = tickets[seq - 1];
          if (!t) fail(i, "unknown_ticket", seq);
          else if (t.state !== "waiting" && t.state !== "at_counter") fail(i, "invalid_transition", seq);
          else {
            if (t.state === "waiting") dequeue(t);
            else for (const c of counters.values()) if (c.current === seq) c.current = null;
            t.state = "expired";
            t.counter = null;
            summary.expired++;
          }
        }
        for (const t of tickets) if (t.state === "waiting") fail(i, "expiry_incomplete", t.seq);
        summary.dayEnded = true;
        break;
      }
    }
  }
  const chainHead = { length, hash: prevHash };
  if (head && (head.length > length || (head.length > 0 && (rawEntries[head.length - 1] as { hash?: unknown } | undefined)?.hash !== head.hash) || (head.length === 0 && head.hash !== genesisHash(branchId, date)))) {
    fail(null, "head_mismatch");
  }
  return { ok: problems.length === 0, branchId, date, head: chainHead, problems, summary, outOfTurn };
}

export interface ReceiptCheck {
  ok: boolean;
  code: ChainProblemCode | null;
  /** The receipt's number as the chain recorded it. */
  entry: Extract<ChainEntry, { kind: "issue" }> | null;
}

/**
 * Is this receipt's number in the chain? Its entry must sit at the receipt's position with the
 * receipt's hash (and match the ticket's seq, label and registration time when given), and the
 * chain holding it must verify: a valid receipt in a tampered chain proves nothing.
 */
export function checkReceipt(receipt: FairnessReceipt, entries: readonly unknown[], report: ChainReport): ReceiptCheck {
  const parsed = chainEntrySchema.safeParse(entries[receipt.position]);
  if (!parsed.success) return { ok: false, code: "receipt_not_found", entry: null };
  const e = parsed.data;
  if (e.kind !== "issue") return { ok: false, code: "receipt_mismatch", entry: null };
  const matches =
    e.hash === receipt.entryHash &&
    entryHash(e.position, e.prev, e.at, e as ChainEvent) === e.hash &&
    (receipt.seq === undefined || receipt.seq === e.seq) &&
    (receipt.label === undefined || receipt.label === e.label) &&
    (receipt.registeredAt === undefined || receipt.registeredAt === e.at) &&
    report.branchId === receipt.branchId &&
    report.date === receipt.serviceDate;
  if (!matches) return { ok: false, code: "receipt_mismatch", entry: e };
  if (!report.ok) return { ok: false, code: "receipt_chain_invalid", entry: e };
  return { ok: true, code: null, entry: e };
}

/** A problem as one line of text, in Vietnamese or English. */
export function describeProblem(p: ChainProblem, lang: "vi" | "en"): string {
  const where = p.position === null ? "" : lang === "vi" ? `Mục ${p.position}: ` : `Entry ${p.position}: `;
  const which = p.seq === undefined ? "" : lang === "vi" ? ` (số đăng ký ${p.seq})` : ` (registration ${p.seq})`;
  return `${where}${CHAIN_PROBLEMS[p.code][lang]}${which}`;
}
