/**
 * Reports from the ticket history (worker/routes/reports.ts, shared/report-schemas.ts): tickets
 * issued / served / no-show / expired per field and per hour as SVG charts, wait and service
 * percentiles and ratings per field as a table, and the same report as a CSV download.
 */
import { useEffect, useState } from "preact/hooks";
import type { DurationStats, ReportResponse, ReportRow } from "@shared/report-schemas";
import { apiFetch } from "../../lib/api";
import { formatNumber } from "../../lib/format";
import { lang } from "../../lib/i18n";
import { BarChart, LineChart } from "./charts";
import { t } from "./messages";
import { errorText } from "./ui";

const COLORS = { issued: "#0b4f8a", served: "#0f6b2f", noShow: "#a50e0e", expired: "#6b4a00" };

function daysBefore(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

const minutes = (ms: number | null) => (ms === null ? "—" : formatNumber(Math.round(ms / 6000) / 10));
const pair = (s: DurationStats) => `${minutes(s.p50)} / ${minutes(s.p90)}`;
const rowName = (r: ReportRow) => (r.name ? (lang.value === "vi" ? r.name.vi : r.name.en) : (r.key ?? "—"));

/** `today`: the service day (the server's clock, which a demo may shift), not the device's. */
export function Reports({ branchId, today }: { branchId: string; today: string }) {
  const [from, setFrom] = useState(daysBefore(today, 6));
  const [to, setTo] = useState(today);
  const [byField, setByField] = useState<ReportResponse | null>(null);
  const [byHour, setByHour] = useState<ReportResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    setBusy(true);
    setError(null);
    try {
      const q = `from=${from}&to=${to}`;
      const [f, h] = await Promise.all([
        apiFetch<ReportResponse>("GET", `/staff/branches/${branchId}/reports?${q}&groupBy=field`),
        apiFetch<ReportResponse>("GET", `/staff/branches/${branchId}/reports?${q}&groupBy=hour`),
      ]);
      setByField(f);
      setByHour(h);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    void load();
  }, [branchId]);

  const csv = `/api/v1/staff/branches/${encodeURIComponent(branchId)}/reports.csv?from=${from}&to=${to}&groupBy=field&lang=${lang.value}`;
  const hours = byHour ? [...byHour.rows].filter((r) => r.key !== null).sort((a, b) => (a.key! < b.key! ? -1 : 1)) : [];
  return (
    <section aria-labelledby="reports-h" data-testid="reports">
      <h2 id="reports-h">{t("tabReports")}</h2>
      <form
        class="card inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          {t("from")}
          <input type="date" required value={from} max={to} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="report-from" />
        </label>
        <label>
          {t("to")}
          <input type="date" required value={to} min={from} onInput={(e) => setTo(e.currentTarget.value)} data-testid="report-to" />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="show-report">
          {t("show")}
        </button>
        <a class="button-link" href={csv} download data-testid="report-csv">
          {t("downloadCsv")}
        </a>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {byField && byField.rows.length === 0 && <p>{t("noData")}</p>}
      {byField && byField.rows.length > 0 && (
        <>
          <h3>{t("perField")}</h3>
          <BarChart
            title={t("chartByField")}
            testId="chart-fields"
            labels={byField.rows.map((r) => r.key ?? "—")}
            series={[
              { name: t("issued"), color: COLORS.issued, values: byField.rows.map((r) => r.issued) },
              { name: t("served"), color: COLORS.served, values: byField.rows.map((r) => r.served) },
              { name: t("noShow"), color: COLORS.noShow, values: byField.rows.map((r) => r.noShow) },
              { name: t("expired"), color: COLORS.expired, values: byField.rows.map((r) => r.expired) },
            ]}
          />
          <div class="table-wrap">
          <table class="data" data-testid="report-table">
            <thead>
              <tr>
                <th scope="col">{t("field")}</th>
                <th scope="col">{t("issued")}</th>
                <th scope="col">{t("served")}</th>
                <th scope="col">{t("noShow")}</th>
                <th scope="col">{t("expired")}</th>
                <th scope="col">{t("cancelled")}</th>
                <th scope="col">{t("waitP")}</th>
                <th scope="col">{t("serviceP")}</th>
                <th scope="col">{t("ratings")}</th>
              </tr>
            </thead>
            <tbody>
              {[...byField.rows.map((r) => ({ r, name: rowName(r) })), { r: { ...byField.total, key: null } as ReportRow, name: t("total") }].map(({ r, name }) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{formatNumber(r.issued)}</td>
                  <td>{formatNumber(r.served)}</td>
                  <td>{formatNumber(r.noShow)}</td>
                  <td>{formatNumber(r.expired)}</td>
                  <td>{formatNumber(r.cancelled)}</td>
                  <td>{pair(r.waitMs)}</td>
                  <td>{pair(r.serviceMs)}</td>
                  <td>{r.ratings.average === null ? "—" : `${formatNumber(r.ratings.average)} (${formatNumber(r.ratings.count)})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </>
      )}
      {hours.length > 0 && (
        <>
          <h3>{t("perHour")}</h3>
          <LineChart
            title={t("chartByHour")}
            testId="chart-hours"
            labels={hours.map((r) => r.key!)}
            series={[
              { name: t("issued"), color: COLORS.issued, values: hours.map((r) => r.issued) },
              { name: t("served"), color: COLORS.served, values: hours.map((r) => r.served) },
            ]}
          />
        </>
      )}
    </section>
  );
}
