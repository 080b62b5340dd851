import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCccdQr } from "../../shared/cccd-qr";

const FIELDS = [
  "001090012345",
  "012345678",
  "Nguyễn Văn An",
  "15031990",
  "Nam",
  "Số 12 ngõ 34 Xuân La, Tây Hồ, Hà Nội",
  "20042021",
];
const CARD = FIELDS.join("|");

function withField(index: number, value: string): string {
  return FIELDS.map((f, i) => (i === index ? value : f)).join("|");
}

describe("reading the QR code of a chip ID card", () => {
  it("reads the seven fields in order", () => {
    expect(parseCccdQr(CARD)).toEqual({
      ok: true,
      idNumber: "001090012345",
      oldIdNumber: "012345678",
      fullName: "Nguyễn Văn An",
      dateOfBirth: "1990-03-15",
      gender: "Nam",
      address: "Số 12 ngõ 34 Xuân La, Tây Hồ, Hà Nội",
      issuedOn: "2021-04-20",
    });
  });

  it("a card without an old ID number gives null", () => {
    expect(parseCccdQr(withField(1, ""))).toMatchObject({ ok: true, oldIdNumber: null });
  });

  it("tolerates the scanner's surrounding whitespace and a trailing bar", () => {
    expect(parseCccdQr(`  ${CARD}|\r\n`)).toMatchObject({ ok: true, idNumber: "001090012345", issuedOn: "2021-04-20" });
  });

  it("gives the name in composed Unicode so it matches however it was encoded", () => {
    const decomposed = "Nguyễn Văn An".normalize("NFD");
    const r = parseCccdQr(withField(2, decomposed));
    expect(r).toMatchObject({ ok: true, fullName: "Nguyễn Văn An" });
  });

  it("refuses text with the wrong number of fields, saying how many it found", () => {
    const six = FIELDS.slice(0, 6).join("|");
    const r = parseCccdQr(six);
    expect(r).toMatchObject({ ok: false, reason: "field_count" });
    if (r.ok) throw new Error("expected a refusal");
    expect(r.vi).toContain("7 trường");
    expect(r.vi).toContain("6");
    expect(parseCccdQr(`${CARD}|extra`)).toMatchObject({ ok: false, reason: "field_count" });
    expect(parseCccdQr(`${CARD}||`)).toMatchObject({ ok: false, reason: "field_count" });
  });

  it("refuses an ID number that is not 12 digits", () => {
    for (const id of ["00109001234", "0010900123456", "00109001234A", ""]) {
      expect(parseCccdQr(withField(0, id))).toMatchObject({ ok: false, reason: "id_number" });
    }
  });

  it("accepts an old 12-digit ID card (CMND) number too", () => {
    expect(parseCccdQr(withField(1, "001090012345"))).toMatchObject({ ok: true, oldIdNumber: "001090012345" });
  });

  it("refuses a malformed old ID number", () => {
    expect(parseCccdQr(withField(1, "12345"))).toMatchObject({ ok: false, reason: "old_id_number" });
    expect(parseCccdQr(withField(1, "12345678X"))).toMatchObject({ ok: false, reason: "old_id_number" });
  });

  it("refuses dates that are not real DDMMYYYY dates", () => {
    expect(parseCccdQr(withField(3, "30021990"))).toMatchObject({ ok: false, reason: "date_of_birth" });
    expect(parseCccdQr(withField(3, "1990-03-15"))).toMatchObject({ ok: false, reason: "date_of_birth" });
    expect(parseCccdQr(withField(6, "2004202"))).toMatchObject({ ok: false, reason: "issued_on" });
    expect(parseCccdQr(withField(6, "31042021"))).toMatchObject({ ok: false, reason: "issued_on" });
  });

  it("refuses a card issued before its holder was born", () => {
    expect(parseCccdQr(withField(6, "14031990"))).toMatchObject({ ok: false, reason: "dates_order" });
  });

  it("refuses empty name, gender or address", () => {
    expect(parseCccdQr(withField(2, " "))).toMatchObject({ ok: false, reason: "full_name" });
    expect(parseCccdQr(withField(4, ""))).toMatchObject({ ok: false, reason: "gender" });
    expect(parseCccdQr(withField(5, ""))).toMatchObject({ ok: false, reason: "address" });
  });

  it("treats the text as hostile: length cap, control characters, non-text", () => {
    expect(parseCccdQr(withField(5, "x".repeat(1000)))).toMatchObject({ ok: false, reason: "too_long" });
    expect(parseCccdQr(withField(2, "Nguyễn\nVăn An"))).toMatchObject({ ok: false, reason: "control_chars" });
    expect(parseCccdQr(withField(2, "Nguyễn\u0000An"))).toMatchObject({ ok: false, reason: "control_chars" });
    expect(parseCccdQr(42)).toMatchObject({ ok: false, reason: "not_text" });
    expect(parseCccdQr(null)).toMatchObject({ ok: false, reason: "not_text" });
  });

  it("never throws and always explains a refusal in both languages", () => {
    const fragments = fc.constantFrom(...FIELDS, "|", "", " ", "\n", "x", "99999999", "001090012345");
    const text = fc.oneof(fc.string({ maxLength: 1200 }), fc.array(fragments, { maxLength: 12 }).map((a) => a.join("|")));
    fc.assert(
      fc.property(text, (t) => {
        const r = parseCccdQr(t);
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
