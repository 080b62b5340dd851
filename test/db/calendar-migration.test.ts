import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { VN_CALENDAR_2026 } from "../../shared/calendar";
import { loadCalendar } from "../../worker/db/config-store";

const byDate = <T extends { date: string }>(a: T, b: T) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);

describe("the 2026 civil-service calendar shipped with every deployment", () => {
  it("is in D1 after migrations, exactly as VN_CALENDAR_2026 lists it", async () => {
    const { results } = await env.DB.prepare(
      "SELECT date, kind, name_vi AS nameVi, name_en AS nameEn FROM calendar_overrides ORDER BY date",
    ).all();
    expect(results).toEqual([...VN_CALENDAR_2026].map((o) => ({ ...o })).sort(byDate));
  });

  it("is what the queue engine reads for 2026", async () => {
    const { overrides, version } = await loadCalendar(env.DB, "2026-01-01", "2026-12-31");
    expect(overrides).toEqual([...VN_CALENDAR_2026].map((o) => ({ ...o })).sort(byDate));
    expect(version).toBe(1767225600000);
  });
});
