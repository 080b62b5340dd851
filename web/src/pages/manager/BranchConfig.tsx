/**
 * Branch configuration forms: field offers and daily caps, counters, weekly hours and booking
 * settings. Every save goes to the administration API, which validates it (strict schemas,
 * series overlap, caps within the series) and answers with the branch's new configuration.
 */
import { useState } from "preact/hooks";
import { MAX_BOOKING_DAYS_AHEAD, MAX_DAILY_CAP } from "@shared/admin-schemas";
import { apiFetch } from "../../lib/api";
import { lang } from "../../lib/i18n";
import { t } from "./messages";
import type { BranchConfigView, CatalogField, ConfigAnswer, NumberSeries } from "./types";
import { StatusLine, useSave } from "./ui";

type Props = { config: BranchConfigView; onChanged: (next: ConfigAnswer["config"]) => void };

const nameOf = (f: { nameVi: string; nameEn: string }) => (lang.value === "vi" ? f.nameVi : f.nameEn);

export function seriesText(s: NumberSeries): string {
  if (s.kind === "block") return t("seriesBlock", { start: s.start });
  return t("seriesPrefix", { prefix: s.prefix, digits: s.digits, first: `${s.prefix}${"1".padStart(s.digits, "0")}` });
}

function FieldRow({ branchId, offer, onChanged }: { branchId: string; offer: BranchConfigView["fields"][number]; onChanged: Props["onChanged"] }) {
  const [cap, setCap] = useState(String(offer.dailyCap));
  const [enabled, setEnabled] = useState(offer.enabled);
  const [order, setOrder] = useState(String(offer.sortOrder));
  const save = useSave();
  const name = nameOf(offer);
  function submit(e: Event) {
    e.preventDefault();
    void save.run(
      () => apiFetch<ConfigAnswer>("PUT", `/staff/branches/${branchId}/fields/${offer.code}`, { body: { dailyCap: Number(cap), enabled, sortOrder: Number(order) } }),
      (a) => onChanged(a.config),
    );
  }
  function remove() {
    void save.run(() => apiFetch<ConfigAnswer>("DELETE", `/staff/branches/${branchId}/fields/${offer.code}`), (a) => onChanged(a.config));
  }
  return (
    <li class="field-row" data-testid={`field-row-${offer.code}`}>
      <form onSubmit={submit}>
        <div class="field-name">
          <strong>{name}</strong> <span class="muted">({offer.code})</span>
          <div class="muted">{seriesText(offer.series)}</div>
        </div>
        <label>
          <span class="sr-only">{t("capOf", { field: name })}</span>
          <span aria-hidden="true">{t("dailyCap")}</span>
          <input type="number" inputMode="numeric" min={0} max={MAX_DAILY_CAP} step={1} required value={cap} onInput={(e) => setCap(e.currentTarget.value)} data-testid={`cap-${offer.code}`} />
        </label>
        <label>
          <span class="sr-only">{t("orderOf", { field: name })}</span>
          <span aria-hidden="true">{t("order")}</span>
          <input type="number" inputMode="numeric" min={0} max={999} step={1} value={order} onInput={(e) => setOrder(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} aria-label={t("enabledOf", { field: name })} data-testid={`enabled-${offer.code}`} />
          <span aria-hidden="true">{t("enabled")}</span>
        </label>
        <div class="row-actions">
          <button type="submit" class="primary" disabled={save.busy} aria-label={t("saveField", { field: name })} data-testid={`save-${offer.code}`}>
            {save.busy ? t("saving") : t("save")}
          </button>
          <button type="button" class="danger" disabled={save.busy} aria-label={t("removeField", { field: name })} onClick={remove}>
            {t("remove")}
          </button>
        </div>
      </form>
      <StatusLine status={save.status} testId={`status-${offer.code}`} />
    </li>
  );
}

export function FieldsEditor({ config, onChanged }: Props) {
  const offered = new Set(config.fields.map((f) => f.code));
  const others: CatalogField[] = config.fieldCatalog.filter((f) => !offered.has(f.code));
  const [pick, setPick] = useState("");
  const [cap, setCap] = useState("40");
  const save = useSave();
  function offer(e: Event) {
    e.preventDefault();
    if (!pick) return;
    void save.run(
      () => apiFetch<ConfigAnswer>("PUT", `/staff/branches/${config.branch.id}/fields/${pick}`, { body: { dailyCap: Number(cap), enabled: true, sortOrder: config.fields.length } }),
      (a) => {
        setPick("");
        onChanged(a.config);
      },
    );
  }
  return (
    <section aria-labelledby="fields-h" data-testid="fields-editor">
      <h2 id="fields-h">{t("tabFields")}</h2>
      <p class="muted">{t("fieldsHint")}</p>
      <ul class="rows">
        {config.fields.map((f) => (
          <FieldRow key={f.code} branchId={config.branch.id} offer={f} onChanged={onChanged} />
        ))}
      </ul>
      {others.length > 0 && (
        <form class="card inline-form" onSubmit={offer}>
          <h3>{t("offerField")}</h3>
          <label>
            {t("field")}
            <select value={pick} onChange={(e) => setPick(e.currentTarget.value)} required>
              <option value="">{t("pickField")}</option>
              {others.map((f) => (
                <option key={f.code} value={f.code}>
                  {nameOf(f)} ({f.code}, {seriesText(f.series)})
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("dailyCap")}
            <input type="number" inputMode="numeric" min={0} max={MAX_DAILY_CAP} required value={cap} onInput={(e) => setCap(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" disabled={save.busy}>
            {t("add")}
          </button>
          <StatusLine status={save.status} />
        </form>
      )}
    </section>
  );
}

function CounterRow({ config, counter, onChanged }: Props & { counter: { number: number; fieldCodes: string[] } }) {
  const [chosen, setChosen] = useState<string[]>(counter.fieldCodes);
  const save = useSave();
  const toggle = (code: string, on: boolean) => setChosen((c) => (on ? [...c.filter((x) => x !== code), code] : c.filter((x) => x !== code)));
  return (
    <li class="counter-row" data-testid={`counter-row-${counter.number}`}>
      <fieldset>
        <legend>{t("counterN", { n: counter.number })}</legend>
        <div class="chips">
          {config.fields.map((f) => (
            <label key={f.code} class={`chip${chosen.includes(f.code) ? " chosen" : ""}`}>
              <input type="checkbox" checked={chosen.includes(f.code)} onChange={(e) => toggle(f.code, e.currentTarget.checked)} />
              {nameOf(f)}
            </label>
          ))}
        </div>
        <div class="row-actions">
          <button
            type="button"
            class="primary"
            disabled={save.busy}
            aria-label={t("saveCounter", { n: counter.number })}
            onClick={() => void save.run(() => apiFetch<ConfigAnswer>("PUT", `/staff/branches/${config.branch.id}/counters/${counter.number}`, { body: { fieldCodes: chosen } }), (a) => onChanged(a.config))}
          >
            {t("save")}
          </button>
          <button
            type="button"
            class="danger"
            disabled={save.busy}
            aria-label={t("removeCounter", { n: counter.number })}
            onClick={() => void save.run(() => apiFetch<ConfigAnswer>("DELETE", `/staff/branches/${config.branch.id}/counters/${counter.number}`), (a) => onChanged(a.config))}
          >
            {t("remove")}
          </button>
        </div>
        <StatusLine status={save.status} />
      </fieldset>
    </li>
  );
}

export function CountersEditor({ config, onChanged }: Props) {
  const next = Math.max(0, ...config.counters.map((c) => c.number)) + 1;
  const [number, setNumber] = useState(String(next));
  const save = useSave();
  function add(e: Event) {
    e.preventDefault();
    void save.run(() => apiFetch<ConfigAnswer>("PUT", `/staff/branches/${config.branch.id}/counters/${Number(number)}`, { body: { fieldCodes: [] } }), (a) => onChanged(a.config));
  }
  return (
    <section aria-labelledby="counters-h" data-testid="counters-editor">
      <h2 id="counters-h">{t("tabCounters")}</h2>
      <ul class="rows counters">
        {config.counters.map((c) => (
          <CounterRow key={c.number} config={config} counter={c} onChanged={onChanged} />
        ))}
      </ul>
      <form class="card inline-form" onSubmit={add}>
        <h3>{t("newCounter")}</h3>
        <label>
          {t("counterNumber")}
          <input type="number" inputMode="numeric" min={1} max={999} required value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={save.busy}>
          {t("add")}
        </button>
        <StatusLine status={save.status} />
      </form>
    </section>
  );
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function HoursEditor({ config, onChanged }: Props) {
  const initial = Object.fromEntries(WEEKDAYS.map((d) => {
    const h = config.hours.find((x) => x.weekday === d);
    return [d, { open: h !== undefined, opensAt: h?.opensAt ?? "08:00", closesAt: h?.closesAt ?? (d === 6 ? "12:00" : "17:00") }];
  })) as Record<number, { open: boolean; opensAt: string; closesAt: string }>;
  const [week, setWeek] = useState(initial);
  const [from, setFrom] = useState(config.branch.bookingFrom);
  const [until, setUntil] = useState(config.branch.bookingUntil);
  const [ahead, setAhead] = useState(String(config.branch.bookingDaysAhead));
  const [verified, setVerified] = useState(config.branch.callVerifiedOnly);
  const hoursSave = useSave();
  const bookingSave = useSave();
  const set = (d: number, patch: Partial<{ open: boolean; opensAt: string; closesAt: string }>) => setWeek((w) => ({ ...w, [d]: { ...w[d]!, ...patch } }));

  function saveHours(e: Event) {
    e.preventDefault();
    const hours = WEEKDAYS.filter((d) => week[d]!.open).map((d) => ({ weekday: d, opensAt: week[d]!.opensAt, closesAt: week[d]!.closesAt }));
    void hoursSave.run(() => apiFetch<ConfigAnswer>("PUT", `/staff/branches/${config.branch.id}/hours`, { body: { hours } }), (a) => onChanged(a.config));
  }
  function saveBooking(e: Event) {
    e.preventDefault();
    void bookingSave.run(
      () => apiFetch<ConfigAnswer>("PATCH", `/staff/branches/${config.branch.id}/settings`, { body: { bookingFrom: from, bookingUntil: until, bookingDaysAhead: Number(ahead), callVerifiedOnly: verified } }),
      (a) => onChanged(a.config),
    );
  }
  return (
    <section aria-labelledby="hours-h" data-testid="hours-editor">
      <h2 id="hours-h">{t("tabHours")}</h2>
      <form class="card" onSubmit={saveHours}>
        <h3>{t("weeklyHours")}</h3>
        <div class="table-wrap">
        <table class="hours">
          <thead>
            <tr>
              <th scope="col">{t("date")}</th>
              <th scope="col">{t("openDay")}</th>
              <th scope="col">{t("opensAt")}</th>
              <th scope="col">{t("closesAt")}</th>
            </tr>
          </thead>
          <tbody>
            {WEEKDAYS.map((d) => {
              const day = t(`weekday${d}` as "weekday1");
              return (
                <tr key={d}>
                  <th scope="row">{day}</th>
                  <td>
                    <input type="checkbox" class="box" checked={week[d]!.open} onChange={(e) => set(d, { open: e.currentTarget.checked })} aria-label={`${t("openDay")} ${day}`} data-testid={`open-${d}`} />
                  </td>
                  <td>
                    <input type="time" value={week[d]!.opensAt} disabled={!week[d]!.open} onInput={(e) => set(d, { opensAt: e.currentTarget.value })} aria-label={`${t("opensAt")} ${day}`} />
                  </td>
                  <td>
                    <input type="time" value={week[d]!.closesAt} disabled={!week[d]!.open} onInput={(e) => set(d, { closesAt: e.currentTarget.value })} aria-label={`${t("closesAt")} ${day}`} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
        <button type="submit" class="primary" disabled={hoursSave.busy} data-testid="save-hours">
          {t("saveHours")}
        </button>
        <StatusLine status={hoursSave.status} testId="hours-status" />
      </form>
      <form class="card" onSubmit={saveBooking}>
        <h3>{t("booking")}</h3>
        <div class="grid2">
          <label>
            {t("bookingFrom")}
            <input type="time" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            {t("bookingUntil")}
            <input type="time" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
          </label>
          <label>
            {t("bookingDaysAhead")}
            <input type="number" inputMode="numeric" min={0} max={MAX_BOOKING_DAYS_AHEAD} required value={ahead} onInput={(e) => setAhead(e.currentTarget.value)} data-testid="days-ahead" />
          </label>
        </div>
        <label class="check">
          <input type="checkbox" checked={verified} onChange={(e) => setVerified(e.currentTarget.checked)} />
          {t("callVerifiedOnly")}
        </label>
        <button type="submit" class="primary" disabled={bookingSave.busy} data-testid="save-booking">
          {t("saveBooking")}
        </button>
        <StatusLine status={bookingSave.status} testId="booking-status" />
      </form>
    </section>
  );
}
