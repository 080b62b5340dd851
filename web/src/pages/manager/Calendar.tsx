/** The national calendar: holidays and extra (swapped) working days; administrators edit it. */
import { useState } from "preact/hooks";
import { apiFetch } from "../../lib/api";
import { formatDateLong } from "../../lib/format";
import { lang } from "../../lib/i18n";
import type { StaffMe } from "../../lib/staff-session";
import { t } from "./messages";
import type { CalendarEntry } from "./types";
import { fetchAll, StatusLine, useSave } from "./ui";

export function CalendarEditor({ me, entries: initial, today }: { me: StaffMe; entries: CalendarEntry[]; today: string }) {
  const [entries, setEntries] = useState(initial);
  const [date, setDate] = useState("");
  const [kind, setKind] = useState<CalendarEntry["kind"]>("holiday");
  const [nameVi, setNameVi] = useState("");
  const [nameEn, setNameEn] = useState("");
  const save = useSave();
  const admin = me.role === "admin";
  const reload = async () => setEntries(await fetchAll<CalendarEntry>("/staff/calendar"));

  function add(e: Event) {
    e.preventDefault();
    void save.run(() => apiFetch("PUT", `/staff/calendar/${date}`, { body: { kind, nameVi, nameEn } }), () => {
      setDate("");
      setNameVi("");
      setNameEn("");
      void reload();
    });
  }
  return (
    <section aria-labelledby="calendar-h" data-testid="calendar-editor">
      <h2 id="calendar-h">{t("tabCalendar")}</h2>
      <p class="muted">{t("calendarHint")}</p>
      <StatusLine status={save.status} testId="calendar-status" />
      {entries.length === 0 ? (
        <p>{t("noEntries")}</p>
      ) : (
        <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t("date")}</th>
              <th scope="col">{t("kind")}</th>
              <th scope="col">{lang.value === "vi" ? t("nameVi") : t("nameEn")}</th>
              {admin && (
                <th scope="col">
                  <span class="sr-only">{t("remove")}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {entries.map((o) => (
              <tr key={o.date} class={o.date < today ? "past" : ""} data-testid={`calendar-${o.date}`}>
                <td>{formatDateLong(o.date)}</td>
                <td>{o.kind === "holiday" ? t("holiday") : t("workingDay")}</td>
                <td>{lang.value === "vi" ? o.nameVi : o.nameEn}</td>
                {admin && (
                  <td>
                    <button type="button" class="danger" disabled={save.busy} onClick={() => void save.run(() => apiFetch("DELETE", `/staff/calendar/${o.date}`), () => void reload())}>
                      {t("removeDate", { date: o.date })}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {admin && (
        <form class="card inline-form" onSubmit={add}>
          <h3>{t("addCalendar")}</h3>
          <label>
            {t("date")}
            <input type="date" required value={date} onInput={(e) => setDate(e.currentTarget.value)} data-testid="calendar-date" />
          </label>
          <label>
            {t("kind")}
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value as CalendarEntry["kind"])} data-testid="calendar-kind">
              <option value="holiday">{t("holiday")}</option>
              <option value="working_day">{t("workingDay")}</option>
            </select>
          </label>
          <label>
            {t("nameVi")}
            <input required maxLength={160} value={nameVi} onInput={(e) => setNameVi(e.currentTarget.value)} />
          </label>
          <label>
            {t("nameEn")}
            <input required maxLength={160} value={nameEn} onInput={(e) => setNameEn(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" disabled={save.busy}>
            {t("addCalendar")}
          </button>
        </form>
      )}
    </section>
  );
}
