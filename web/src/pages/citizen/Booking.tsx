/**
 * Taking a number: branch (address, today's queues), field (waiting, now serving, numbers left),
 * day (today and the open days ahead, numbers left for the chosen field), confirm. A day that
 * cannot be booked is still listed: choosing it explains why and offers the next working day.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Problem } from "../../lib/api";
import { formatDate, formatDateLong, formatMinutesRange, formatNumber } from "../../lib/format";
import { lang } from "../../lib/i18n";
import { t } from "./messages";
import { problemOf, Refusal } from "./refusal";
import { citizenApi } from "./session";
import type { BranchDays, BranchSummary, DayAvailability, DayField, TicketWithLive } from "./types";

const fieldName = (f: { nameVi: string; nameEn: string }) => (lang.value === "vi" ? f.nameVi : f.nameEn);

function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function Booking({ onBooked }: { onBooked: (t: TicketWithLive) => void }) {
  const [branches, setBranches] = useState<BranchSummary[] | null>(null);
  const [branchId, setBranchId] = useState<string | null>(null);
  const [days, setDays] = useState<BranchDays | null>(null);
  const [fieldCode, setFieldCode] = useState<string | null>(null);
  const [date, setDate] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per booking attempt: a retry after a lost answer returns the same ticket.
  const attemptKey = useRef<string>(newIdempotencyKey());

  useEffect(() => {
    citizenApi<{ branches: BranchSummary[] }>("GET", "/branches")
      .then((r) => setBranches(r.branches))
      .catch((err) => setProblem(problemOf(err)));
  }, []);

  const loadDays = (id: string) =>
    citizenApi<BranchDays>("GET", `/branches/${encodeURIComponent(id)}/days`)
      .then(setDays)
      .catch((err) => setProblem(problemOf(err)));

  useEffect(() => {
    if (!branchId) return;
    setDays(null);
    void loadDays(branchId);
  }, [branchId]);

  const pickBranch = (id: string) => {
    setBranchId(id);
    setFieldCode(null);
    setDate(null);
    setProblem(null);
  };
  const pickField = (code: string) => {
    setFieldCode(code);
    setDate(null);
    setProblem(null);
  };
  const pickDay = (d: DayAvailability) => {
    setProblem(null);
    if (!d.bookable) {
      setDate(null);
      const refusal = d.refusal ?? { code: "not_a_working_day" };
      setProblem({ status: 0, nextWorkingDay: d.nextWorkingDay, ...refusal });
      return;
    }
    const f = d.fields.find((x) => x.code === fieldCode);
    if (f && f.remaining <= 0) {
      setDate(null);
      setProblem({ status: 0, code: "field_cap_reached", nextWorkingDay: d.nextWorkingDay });
      return;
    }
    setDate(d.date);
  };

  async function confirm() {
    if (!branchId || !fieldCode || !date || !days) return;
    setBusy(true);
    setProblem(null);
    try {
      const body = date === days.today ? { branchId, fieldCode } : { branchId, fieldCode, serviceDate: date };
      const res = await citizenApi<TicketWithLive>("POST", "/tickets", { body, headers: { "idempotency-key": attemptKey.current } });
      attemptKey.current = newIdempotencyKey();
      onBooked(res);
    } catch (err) {
      const p = problemOf(err);
      // A network failure keeps the key (the retry may find the ticket made); a refusal does not.
      if (p.status !== 0) attemptKey.current = newIdempotencyKey();
      setProblem(p);
      // Numbers left may have changed under the citizen (a full field, a closed window): show it.
      if (p.status === 409 || p.status === 422) {
        setDate(null);
        void loadDays(branchId);
      }
    } finally {
      setBusy(false);
    }
  }

  const branch = branches?.find((b) => b.id === branchId) ?? null;
  const firstWorking = days?.days.find((d) => d.fields.length > 0) ?? null;
  const fields: DayField[] = firstWorking?.fields ?? [];
  const todayDay = days?.days.find((d) => d.date === days.today) ?? null;
  const field = fields.find((f) => f.code === fieldCode) ?? null;

  return (
    <section class="card" data-testid="booking" aria-labelledby="booking-h">
      <h2 id="booking-h">{t("newBooking")}</h2>
      <p class="muted">{t("limitsNote")}</p>
      <fieldset class="step">
        <legend>{t("stepBranch")}</legend>
        {!branches ? (
          <div class="skeleton" aria-busy="true">{t("loading")}</div>
        ) : (
          <div class="choices">
            {branches.map((b) => (
              <button
                type="button"
                class={`choice${b.id === branchId ? " chosen" : ""}`}
                aria-pressed={b.id === branchId}
                data-testid={`branch-${b.id}`}
                onClick={() => pickBranch(b.id)}
              >
                <strong>{b.name}</strong>
                <span class="small">{b.address}</span>
              </button>
            ))}
          </div>
        )}
      </fieldset>
      {branchId && (
        <fieldset class="step">
          <legend>{t("stepField")}</legend>
          {!days ? (
            <div class="skeleton" aria-busy="true">{t("loading")}</div>
          ) : (
            <div class="choices">
              {fields.map((f) => {
                const live = todayDay?.fields.find((x) => x.code === f.code) ?? f;
                return (
                  <button
                    type="button"
                    class={`choice${f.code === fieldCode ? " chosen" : ""}`}
                    aria-pressed={f.code === fieldCode}
                    data-testid={`field-${f.code}`}
                    onClick={() => pickField(f.code)}
                  >
                    <strong>{fieldName(f)}</strong>
                    <span class="small">
                      {t("waitingNow", { n: formatNumber(live.waiting) })}
                      {" · "}
                      {t("nowServingShort", { label: live.nowServing ?? t("none") })}
                      {live.estimate ? ` · ${t("estimateWait", { range: formatMinutesRange(live.estimate.lowMinutes, live.estimate.highMinutes) })}` : ""}
                    </span>
                  </button>
                );
              })}
            </div>
          )}
        </fieldset>
      )}
      {days && fieldCode && (
        <fieldset class="step">
          <legend>{t("stepDay")}</legend>
          <p class="hint">{t("chooseDayHint")}</p>
          <div class="days">
            {days.days.map((d) => {
              const f = d.fields.find((x) => x.code === fieldCode);
              const state = !d.working ? t("closedDay") : !d.bookable ? t("notOpen") : f && f.remaining <= 0 ? t("soldOut") : f ? t("remaining", { n: formatNumber(f.remaining), cap: formatNumber(f.dailyCap) }) : "";
              return (
                <button
                  type="button"
                  class={`day${d.date === date ? " chosen" : ""}${d.bookable && (!f || f.remaining > 0) ? "" : " unavailable"}`}
                  aria-pressed={d.date === date}
                  data-testid={`day-${d.date}`}
                  data-bookable={d.bookable && (!f || f.remaining > 0) ? "true" : "false"}
                  onClick={() => pickDay(d)}
                >
                  <strong>{d.date === days.today ? `${t("today")}, ${formatDate(d.date)}` : formatDateLong(d.date)}</strong>
                  <span class="small">{state}</span>
                </button>
              );
            })}
          </div>
        </fieldset>
      )}
      {branch && field && date && (
        <div class="step confirm">
          <h3>{t("stepConfirm")}</h3>
          <p>{t("confirmText", { field: fieldName(field), branch: branch.name, date: formatDateLong(date) })}</p>
          <button type="button" class="btn btn-primary btn-big" data-testid="confirm-booking" disabled={busy} onClick={confirm}>
            {busy ? t("booking") : t("confirm")}
          </button>
        </div>
      )}
      <Refusal problem={problem}>
        {typeof problem?.nextWorkingDay === "string" && days?.days.some((d) => d.date === problem.nextWorkingDay && d.bookable) && (
          <button type="button" class="btn" onClick={() => pickDay(days.days.find((d) => d.date === problem.nextWorkingDay)!)}>
            {t("pickNextDay", { date: formatDateLong(problem.nextWorkingDay as string) })}
          </button>
        )}
      </Refusal>
    </section>
  );
}
