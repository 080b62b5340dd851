import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPersonalId, maskPersonalId, PROVINCE_CODES } from "../../shared/personal-id";

// Monday 23 Nov 2026, 10:00 in Vietnam.
const NOW = Date.UTC(2026, 10, 23, 3, 0);

describe("checking a personal identification number", () => {
  it("reads province, gender and birth year from a valid number", () => {
    expect(checkPersonalId("001090012345", NOW)).toEqual({
      ok: true,
      idNumber: "001090012345",
      provinceCode: "001",
      knownProvince: true,
      gender: "male",
      birthYear: 1990,
    });
    const hcm = checkPersonalId("079305001234", NOW);
    expect(hcm).toMatchObject({ ok: true, provinceCode: "079", gender: "female", birthYear: 2005 });
  });

  it("accepts the number grouped with spaces, dots or dashes as people type it", () => {
    for (const typed of ["  001 090 012 345 ", "001.090.012.345", "001-090-012-345", "001090012345\n"]) {
      expect(checkPersonalId(typed, NOW)).toMatchObject({ ok: true, idNumber: "001090012345" });
    }
  });

  it("refuses something that is not text", () => {
    for (const raw of [1090012345, null, undefined, ["001090012345"]]) {
      expect(checkPersonalId(raw, NOW)).toMatchObject({ ok: false, reason: "not_text" });
    }
  });

  it("says how many digits were typed when the length is wrong", () => {
    const r = checkPersonalId("00109001234", NOW);
    expect(r).toMatchObject({ ok: false, reason: "length" });
    if (r.ok) throw new Error("expected a refusal");
    expect(r.vi).toBe("Số định danh cá nhân phải có đúng 12 chữ số (bạn nhập 11).");
    expect(r.en).toContain("exactly 12 digits (you entered 11)");
    expect(checkPersonalId("0010900123456", NOW)).toMatchObject({ ok: false, reason: "length" });
    expect(checkPersonalId("   ", NOW)).toMatchObject({ ok: false, reason: "length" });
    expect(checkPersonalId("1".repeat(5000), NOW)).toMatchObject({ ok: false, reason: "length" });
  });

  it("an ID number with letters is refused with a message naming the problem", () => {
    const r = checkPersonalId("0010900123O5", NOW); // letter O typed for a zero
    expect(r).toMatchObject({ ok: false, reason: "digits" });
    if (r.ok) throw new Error("expected a refusal");
    expect(r.vi).toContain("chữ số");
    expect(r.vi).toContain('ký tự thứ 11 ("O")');
    expect(r.en).toContain('character 11 ("O") is not a digit');
  });

  it("does not echo punctuation or markup back in the message", () => {
    const r = checkPersonalId("001090<b>12345", NOW);
    expect(r).toMatchObject({ ok: false, reason: "digits" });
    if (r.ok) throw new Error("expected a refusal");
    expect(r.vi).not.toContain("<");
    expect(r.en).toContain("character 7 is not a digit");
  });

  it("refuses a birth year after the current year in Vietnam", () => {
    const r = checkPersonalId("001227012345", NOW); // 2000s male, born 2027
    expect(r).toMatchObject({ ok: false, reason: "birth_year_future" });
    if (r.ok) throw new Error("expected a refusal");
    expect(r.vi).toContain("2027");
    expect(r.en).toContain("2027");
    // Digit 4 = 4 means the 2100s: not possible yet.
    expect(checkPersonalId("001400012345", NOW)).toMatchObject({ ok: false, reason: "birth_year_future" });
    // Born this year is fine.
    expect(checkPersonalId("001226012345", NOW)).toMatchObject({ ok: true, birthYear: 2026 });
  });

  it("uses the year in Vietnam, not in UTC, around New Year", () => {
    const newYearVn = Date.UTC(2026, 11, 31, 17, 30); // 1 Jan 2027 00:30 in Vietnam, still 2026 in UTC
    expect(checkPersonalId("001227012345", newYearVn)).toMatchObject({ ok: true, birthYear: 2027 });
    expect(checkPersonalId("001227012345", newYearVn - 3_600_000)).toMatchObject({ ok: false });
  });

  it("maps each century digit to its century and gender", () => {
    const at2400 = Date.UTC(2399, 5, 1);
    const expected: Array<[string, number, "male" | "female"]> = [
      ["0", 1900, "male"], ["1", 1900, "female"], ["2", 2000, "male"], ["3", 2000, "female"],
      ["4", 2100, "male"], ["5", 2100, "female"], ["6", 2200, "male"], ["7", 2200, "female"],
      ["8", 2300, "male"], ["9", 2300, "female"],
    ];
    for (const [digit, century, gender] of expected) {
      expect(checkPersonalId(`001${digit}45012345`, at2400)).toMatchObject({
        ok: true,
        gender,
        birthYear: century + 45,
      });
    }
  });

  it("an unknown province code is not an error, only flagged for reception", () => {
    expect(checkPersonalId("003090012345", NOW)).toMatchObject({
      ok: true,
      provinceCode: "003",
      knownProvince: false,
    });
  });

  it("knows the 63 province codes of the brief", () => {
    expect(PROVINCE_CODES.size).toBe(63);
    for (const code of ["001", "079", "096", "048"]) expect(PROVINCE_CODES.has(code)).toBe(true);
    for (const code of ["000", "003", "097", "100"]) expect(PROVINCE_CODES.has(code)).toBe(false);
  });

  it("every refusal has a message in both languages", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9 .a-z-]{0,20}$/)), (s) => {
        const r = checkPersonalId(s, NOW);
        if (r.ok) {
          expect(r.idNumber).toMatch(/^\d{12}$/);
        } else {
          expect(r.vi.length).toBeGreaterThan(10);
          expect(r.en.length).toBeGreaterThan(10);
        }
      }),
    );
  });
});

describe("masking a personal identification number", () => {
  it("shows only the first and last three digits", () => {
    expect(maskPersonalId("001090012345")).toBe("001******345");
  });

  it("hides a malformed value completely", () => {
    expect(maskPersonalId("00109001234")).toBe("************");
    expect(maskPersonalId("001 090 012 345")).toBe("************");
  });

  it("never reveals the middle six digits", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (id) => {
        const masked = maskPersonalId(id);
        expect(masked).toHaveLength(12);
        expect(masked.slice(3, 9)).toBe("******");
        expect(masked.slice(0, 3) + masked.slice(9)).toBe(id.slice(0, 3) + id.slice(9));
        expect(masked).not.toContain(id.slice(3, 9));
      }),
    );
  });
});
