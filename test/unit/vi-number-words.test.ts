import { describe, expect, it } from "vitest";
import {
  callAnnouncementVi,
  MAX_READABLE,
  NUMBER_WORDS,
  readLabelVi,
  readNumberVi,
  readNumberWords,
  SOUTHERN,
} from "../../shared/vi-number-words";

/**
 * An independent listener: turns spoken words back into the number, the way a person in the hall
 * would add them up. If every number 0–99,999 reads back to itself, the reading is unambiguous.
 */
function hear(words: string[]): number {
  const value: Record<string, number> = {
    không: 0, một: 1, mốt: 1, hai: 2, ba: 3, bốn: 4, tư: 4, năm: 5, lăm: 5, sáu: 6, bảy: 7, tám: 8, chín: 9,
  };
  let total = 0;
  let group = 0; // the part below a thousand being heard
  let last = 0;
  for (const w of words) {
    if (w in value) {
      last = value[w]!;
      group += last;
    } else if (w === "mười") {
      group += 10;
    } else if (w === "mươi") {
      group += last * 9; // "hai mươi": the 2 already added becomes 20
    } else if (w === "trăm") {
      group += last * 99;
    } else if (w === "nghìn" || w === "ngàn") {
      total += group * 1000;
      group = 0;
    } else if (w === "linh" || w === "lẻ") {
      // placeholder for the empty tens
    } else {
      throw new Error(`unknown word ${w}`);
    }
  }
  return total + group;
}

describe("reading numbers aloud in Vietnamese", () => {
  it.each([
    [0, "không"],
    [1, "một"],
    [4, "bốn"],
    [5, "năm"],
    [10, "mười"],
    [11, "mười một"],
    [14, "mười bốn"],
    [15, "mười lăm"],
    [20, "hai mươi"],
    [21, "hai mươi mốt"],
    [24, "hai mươi tư"],
    [25, "hai mươi lăm"],
    [55, "năm mươi lăm"],
    [91, "chín mươi mốt"],
    [100, "một trăm"],
    [101, "một trăm linh một"],
    [104, "một trăm linh bốn"],
    [105, "một trăm linh năm"],
    [110, "một trăm mười"],
    [111, "một trăm mười một"],
    [115, "một trăm mười lăm"],
    [121, "một trăm hai mươi mốt"],
    [1000, "một nghìn"],
    [1001, "một nghìn không trăm linh một"],
    [1005, "một nghìn không trăm linh năm"],
    [1010, "một nghìn không trăm mười"],
    [1015, "một nghìn không trăm mười lăm"],
    [1040, "một nghìn không trăm bốn mươi"],
    [1100, "một nghìn một trăm"],
    [2001, "hai nghìn không trăm linh một"],
    [2015, "hai nghìn không trăm mười lăm"],
    [10000, "mười nghìn"],
    [10005, "mười nghìn không trăm linh năm"],
    [15000, "mười lăm nghìn"],
    [21000, "hai mươi mốt nghìn"],
    [24024, "hai mươi tư nghìn không trăm hai mươi tư"],
    [45505, "bốn mươi lăm nghìn năm trăm linh năm"],
    [99999, "chín mươi chín nghìn chín trăm chín mươi chín"],
  ])("%i is read «%s»", (n, words) => {
    expect(readNumberVi(n)).toBe(words);
  });

  it("reads the southern way when asked: «lẻ» for the empty tens and «ngàn»", () => {
    expect(readNumberVi(101, SOUTHERN)).toBe("một trăm lẻ một");
    expect(readNumberVi(1005, SOUTHERN)).toBe("một ngàn không trăm lẻ năm");
  });

  it("reads every number from 0 to 99,999 so that a listener hears the same number back", () => {
    for (let n = 0; n <= MAX_READABLE; n++) {
      const words = readNumberWords(n);
      if (hear(words) !== n) throw new Error(`${n} read as «${words.join(" ")}» is heard as ${hear(words)}`);
    }
  });

  it("uses «mốt», «tư» and «lăm» only right after a tens word, and «linh» only after «trăm»", () => {
    const wrong: string[] = [];
    const known = new Set<string>(NUMBER_WORDS);
    for (let n = 0; n <= MAX_READABLE; n++) {
      const words = readNumberWords(n);
      const said = `${n}: ${words.join(" ")}`;
      for (const [i, w] of words.entries()) {
        const before = words[i - 1];
        if ((w === "mốt" || w === "tư") && before !== "mươi") wrong.push(said);
        if (w === "lăm" && before !== "mười" && before !== "mươi") wrong.push(said);
        if (w === "linh" && before !== "trăm") wrong.push(said);
        // Never the plain "một"/"năm" where the special word is due.
        if (before === "mươi" && (w === "một" || w === "năm")) wrong.push(said);
        if (before === "mười" && w === "năm") wrong.push(said);
        if (!known.has(w)) wrong.push(said);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it("refuses what it cannot read", () => {
    expect(() => readNumberWords(-1)).toThrow(RangeError);
    expect(() => readNumberWords(100_000)).toThrow(RangeError);
    expect(() => readNumberWords(1.5)).toThrow(RangeError);
  });
});

describe("announcing a call", () => {
  it("reads a prefixed ticket number by its value, without the padding zeros", () => {
    expect(readLabelVi("A015")).toBe("a mười lăm");
    expect(readLabelVi("B001")).toBe("bê một");
  });

  it("reads a block ticket number as a whole number", () => {
    expect(readLabelVi("2001")).toBe("hai nghìn không trăm linh một");
  });

  it("invites the citizen to the counter", () => {
    expect(callAnnouncementVi("1040", 3)).toBe("Mời công dân có số thứ tự một nghìn không trăm bốn mươi đến quầy số ba");
    expect(callAnnouncementVi("A021", 12)).toBe("Mời công dân có số thứ tự a hai mươi mốt đến quầy số mười hai");
  });
});
