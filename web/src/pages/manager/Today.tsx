/** Today's live overview of the branch: per field issued/left/waiting, and every counter. */
import { useEffect, useState } from "preact/hooks";
import type { CounterView, FieldDayView } from "@shared/live-views";
import { apiFetch } from "../../lib/api";
import { formatDateLong, formatNumber } from "../../lib/format";
import { lang } from "../../lib/i18n";
import { t } from "./messages";
import { errorText } from "./ui";

interface Overview {
  branchId: string;
  date: string;
  bookingClosed: boolean;
  dayEnded: boolean;
  fields: FieldDayView[];
  counters: CounterView[];
}

/** How often the overview refreshes itself (the page is a glance, not a control panel). */
const REFRESH_MS = 15_000;

export function TodayOverview({ branchId }: { branchId: string }) {
  const [day, setDay] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    apiFetch<Overview>("GET", `/staff/branches/${branchId}/today`)
      .then((d) => {
        setDay(d);
        setError(null);
      })
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [branchId]);

  const status = (s: CounterView["status"]) => (s === "open" ? t("stOpen") : s === "paused" ? t("stPaused") : t("stClosed"));
  return (
    <section aria-labelledby="today-h" data-testid="today">
      <h2 id="today-h">{day ? t("todayTitle", { date: formatDateLong(day.date) }) : t("tabToday")}</h2>
      <button type="button" class="secondary" onClick={() => void load()}>
        {t("refresh")}
      </button>
      {error && <p class="error" role="alert">{error}</p>}
      {day?.bookingClosed && <p class="notice notice-warn">{t("bookingClosed")}</p>}
      {day && (
        <>
          <div class="table-wrap">
          <table class="data" data-testid="today-fields">
            <thead>
              <tr>
                <th scope="col">{t("field")}</th>
                <th scope="col">{t("issued")}</th>
                <th scope="col">{t("dailyCap")}</th>
                <th scope="col">{t("remaining")}</th>
                <th scope="col">{t("waiting")}</th>
                <th scope="col">{t("nowServing")}</th>
                <th scope="col">{t("openCounters")}</th>
              </tr>
            </thead>
            <tbody>
              {day.fields.map((f) => (
                <tr key={f.code} data-testid={`today-${f.code}`}>
                  <th scope="row">{lang.value === "vi" ? f.nameVi : f.nameEn}</th>
                  <td>{formatNumber(f.issued)}</td>
                  <td>{formatNumber(f.dailyCap)}</td>
                  <td>{formatNumber(f.remaining)}</td>
                  <td>{formatNumber(f.waiting)}</td>
                  <td>{f.nowServing ?? "—"}</td>
                  <td>{formatNumber(f.openCounters)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          <h3>{t("counterStatus")}</h3>
          <ul class="counter-tiles">
            {day.counters.map((c) => (
              <li key={c.number} class={`tile tile-${c.status}`}>
                <strong>{t("counterN", { n: c.number })}</strong>
                <span>{status(c.status)}</span>
                <span>
                  {t("current")}: {c.current?.label ?? "—"}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
