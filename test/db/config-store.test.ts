import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_UPDATED_AT, demoSeedStatements } from "../../seed/demo-center";
import { listBranches, loadBranchConfig, loadCalendar } from "../../worker/db/config-store";

async function seedDemo() {
  const stmts = demoSeedStatements();
  await env.DB.batch(stmts.map((s) => env.DB.prepare(s)));
}

// D1 storage is isolated per test file, not per test: undo what a test changed.
beforeEach(async () => {
  await env.DB.prepare("DELETE FROM calendar_overrides WHERE date >= '2027-01-01'").run();
  await seedDemo();
});

describe("a branch's configuration as the queue engine sees it", () => {
  it("branch 1 opens Monday to Friday all day and Saturday morning, closed on Sunday", async () => {
    const branch = await loadBranchConfig(env.DB, "hn-cn01");
    expect(branch).not.toBeNull();
    expect(branch!.name).toBe("Chi nhánh số 1 – Trung tâm Phục vụ hành chính công Hà Nội");
    expect(branch!.address).toBe("258 Võ Chí Công, phường Xuân La, quận Tây Hồ, Hà Nội");
    expect(branch!.resultsAddress).toBe("657 Lạc Long Quân, Tây Hồ, Hà Nội");
    expect(branch!.timeZone).toBe("Asia/Ho_Chi_Minh");
    expect(branch!.weeklyHours).toEqual({
      1: { opensAt: "08:00", closesAt: "17:00" },
      2: { opensAt: "08:00", closesAt: "17:00" },
      3: { opensAt: "08:00", closesAt: "17:00" },
      4: { opensAt: "08:00", closesAt: "17:00" },
      5: { opensAt: "08:00", closesAt: "17:00" },
      6: { opensAt: "08:00", closesAt: "12:00" },
    });
    expect(branch!.bookingWindow).toEqual({ from: "08:00", until: "16:00" });
    expect(branch!.bookingDaysAhead).toBe(6);
    expect(branch!.callVerifiedOnly).toBe(false);
    expect(branch!.version).toBe(DEMO_UPDATED_AT);
  });

  it("offers land registration first, then the other fields in the branch's order; a paused field is not offered", async () => {
    const branch = (await loadBranchConfig(env.DB, "hn-cn01"))!;
    expect(branch.fields.map((f) => f.code)).toEqual([
      "DATDAI",
      "TUPHAP",
      "XAYDUNG",
      "KINHDOANH",
      "NONGNGHIEP",
    ]);
    expect(branch.fields[0]).toEqual({
      code: "DATDAI",
      nameVi: "Đất đai",
      nameEn: "Land registration",
      series: { kind: "prefix", prefix: "A", digits: 3 },
      dailyCap: 800,
    });
    expect(branch.fields[1]!.series).toEqual({ kind: "block", start: 2001 });
    expect(branch.fields[1]!.nameVi).toBe("Tư pháp – Hộ tịch");
    const total = branch.fields.reduce((n, f) => n + f.dailyCap, 0);
    expect(total).toBeGreaterThanOrEqual(800);
    expect(total).toBeLessThanOrEqual(1000);
    expect(branch.fields[0]!.dailyCap / total).toBeGreaterThanOrEqual(0.8);
  });

  it("lists counters 1–12 with the fields each serves, most of them land registration", async () => {
    const branch = (await loadBranchConfig(env.DB, "hn-cn01"))!;
    expect(branch.counters.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(branch.counters.filter((c) => c.fieldCodes.includes("DATDAI")).length).toBe(10);
    expect(branch.counters.find((c) => c.number === 1)!.fieldCodes).toEqual(["DATDAI"]);
    // Field order follows the branch's order, not the order rows were written in.
    expect(branch.counters.find((c) => c.number === 12)!.fieldCodes).toEqual(["TUPHAP", "KINHDOANH"]);
    // Counter 11 also serves the paused health field, which is left out while it is paused.
    expect(branch.counters.find((c) => c.number === 11)!.fieldCodes).toEqual(["XAYDUNG", "NONGNGHIEP"]);
  });

  it("branch 2 is closed on Saturday and calls only numbers that reception verified", async () => {
    const branch = (await loadBranchConfig(env.DB, "hn-cn02"))!;
    expect(Object.keys(branch.weeklyHours)).toEqual(["1", "2", "3", "4", "5"]);
    expect(branch.callVerifiedOnly).toBe(true);
    expect(branch.resultsAddress).toBeNull();
    expect(branch.address).toContain("demo");
    expect(branch.fields.map((f) => f.code)).toEqual(["DATDAI", "TUPHAP", "KINHDOANH", "YTE", "NOIVU"]);
    expect(branch.counters.find((c) => c.number === 5)!.fieldCodes).toEqual(["DATDAI", "YTE", "NOIVU"]);
  });

  it("gives no configuration for an unknown branch or a malformed id, without throwing", async () => {
    for (const id of [
      "hn-cn99",
      "",
      "HN-CN01",
      "hn_cn01",
      "-hn",
      "hn-cn01:2026-01-05",
      "hn-cn01' OR '1'='1",
      "../hn-cn01",
      "a".repeat(33),
    ]) {
      expect(await loadBranchConfig(env.DB, id), id).toBeNull();
    }
  });

  it("raises the version when an administrator pauses a field, so running branch-days pick up the change", async () => {
    const later = DEMO_UPDATED_AT + 60_000;
    await env.DB.prepare(
      "UPDATE branch_fields SET enabled = 0, updated_at = ? WHERE branch_id = 'hn-cn01' AND field_code = 'XAYDUNG'",
    )
      .bind(later)
      .run();
    const branch = (await loadBranchConfig(env.DB, "hn-cn01"))!;
    expect(branch.version).toBe(later);
    expect(branch.fields.map((f) => f.code)).not.toContain("XAYDUNG");
    expect(branch.counters.find((c) => c.number === 11)!.fieldCodes).toEqual(["NONGNGHIEP"]);
    // The other branch's version is its own.
    expect((await loadBranchConfig(env.DB, "hn-cn02"))!.version).toBe(DEMO_UPDATED_AT);
  });

  it("reseeding the demo leaves the same configuration", async () => {
    const before = await loadBranchConfig(env.DB, "hn-cn01");
    await seedDemo();
    await seedDemo();
    expect(await loadBranchConfig(env.DB, "hn-cn01")).toEqual(before);
  });
});

describe("the list of branches a citizen chooses from", () => {
  it("names both demo branches with their addresses", async () => {
    expect(await listBranches(env.DB)).toEqual([
      {
        id: "hn-cn01",
        name: "Chi nhánh số 1 – Trung tâm Phục vụ hành chính công Hà Nội",
        address: "258 Võ Chí Công, phường Xuân La, quận Tây Hồ, Hà Nội",
        resultsAddress: "657 Lạc Long Quân, Tây Hồ, Hà Nội",
        timeZone: "Asia/Ho_Chi_Minh",
      },
      {
        id: "hn-cn02",
        name: "Chi nhánh số 2 – Trung tâm Phục vụ hành chính công Hà Nội",
        address: "Địa chỉ minh hoạ (demo) – Chi nhánh số 2, Hà Nội",
        resultsAddress: null,
        timeZone: "Asia/Ho_Chi_Minh",
      },
    ]);
  });
});

describe("holidays and swapped working days for a date range", () => {
  it("returns the Tết break for February 2026, by date", async () => {
    const { overrides, version } = await loadCalendar(env.DB, "2026-02-01", "2026-02-28");
    expect(overrides.map((o) => o.date)).toEqual([
      "2026-02-14",
      "2026-02-16",
      "2026-02-17",
      "2026-02-18",
      "2026-02-19",
      "2026-02-20",
      "2026-02-21",
    ]);
    expect(overrides.every((o) => o.kind === "holiday" && o.nameVi === "Tết Nguyên đán")).toBe(true);
    expect(version).toBeGreaterThan(0);
  });

  it("includes both ends of the range and the Saturday worked in place of Monday 31 August", async () => {
    const { overrides } = await loadCalendar(env.DB, "2026-08-22", "2026-08-31");
    expect(overrides.map((o) => [o.date, o.kind])).toEqual([
      ["2026-08-22", "working_day"],
      ["2026-08-29", "holiday"],
      ["2026-08-31", "holiday"],
    ]);
  });

  it("raises the version when an administrator edits any day, even outside the range asked for", async () => {
    const before = (await loadCalendar(env.DB, "2026-02-01", "2026-02-28")).version;
    await env.DB.prepare(
      "INSERT INTO calendar_overrides (date, kind, name_vi, name_en, updated_at) VALUES ('2027-01-01', 'holiday', 'Tết Dương lịch', 'New Year''s Day', ?)",
    )
      .bind(before + 1)
      .run();
    const after = await loadCalendar(env.DB, "2026-02-01", "2026-02-28");
    expect(after.version).toBe(before + 1);
    expect(after.overrides).toHaveLength(7);
  });

  it("rejects dates that are not YYYY-MM-DD", async () => {
    await expect(loadCalendar(env.DB, "2026-2-1", "2026-02-28")).rejects.toThrow(RangeError);
    await expect(loadCalendar(env.DB, "2026-02-01", "2026-02-30")).rejects.toThrow(RangeError);
  });
});
