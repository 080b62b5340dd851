/**
 * The manager page (web/manager/index.html): a branch manager (or an administrator) signs in,
 * picks one of their branches, and runs it: today's overview, fields and daily caps, counters,
 * opening hours and booking settings, the holiday calendar, staff accounts, hall-display tokens
 * and reports. Each section is its own module; this file holds sign-in, branch and navigation.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "../../lib/ui/staff.css";
import "./manager.css";
import { apiFetch } from "../../lib/api";
import { staffLogout, staffMe, type StaffMe } from "../../lib/staff-session";
import { StaffHeader } from "../../lib/ui/StaffHeader";
import { StaffSignIn } from "../../lib/ui/StaffSignIn";
import { CountersEditor, FieldsEditor, HoursEditor } from "./BranchConfig";
import { CalendarEditor } from "./Calendar";
import { t } from "./messages";
import { DisplayTokens, StaffAccounts } from "./People";
import { Reports } from "./Reports";
import { TodayOverview } from "./Today";
import type { BranchConfigView, ConfigAnswer } from "./types";
import { errorText, fetchAll } from "./ui";

const TABS = ["today", "fields", "counters", "hours", "calendar", "staff", "displays", "reports"] as const;
type Tab = (typeof TABS)[number];
const TAB_WORD: Record<Tab, Parameters<typeof t>[0]> = {
  today: "tabToday",
  fields: "tabFields",
  counters: "tabCounters",
  hours: "tabHours",
  calendar: "tabCalendar",
  staff: "tabStaff",
  displays: "tabDisplays",
  reports: "tabReports",
};

/** The section in the address (#fields), so a reload or a shared link opens the same one. */
function tabFromHash(): Tab {
  const h = location.hash.replace(/^#/, "");
  return (TABS as readonly string[]).includes(h) ? (h as Tab) : "today";
}

function Workspace({ me }: { me: StaffMe }) {
  const [branches, setBranches] = useState<Array<{ id: string; name: string }> | null>(null);
  const [branchId, setBranchId] = useState("");
  const [config, setConfig] = useState<BranchConfigView | null>(null);
  const [tab, setTab] = useState<Tab>(tabFromHash());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchAll<{ id: string; name: string }>("/staff/branches")
      .then((list) => {
        setBranches(list);
        const saved = localStorage.getItem("sothutu.manager.branch");
        setBranchId((list.find((b) => b.id === saved) ?? list[0])?.id ?? "");
      })
      .catch((err) => setError(errorText(err)));
    const onHash = () => setTab(tabFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (!branchId) return;
    setConfig(null);
    try {
      localStorage.setItem("sothutu.manager.branch", branchId);
    } catch {
      // not remembered
    }
    apiFetch<BranchConfigView>("GET", `/staff/branches/${branchId}/config`)
      .then(setConfig)
      .catch((err) => setError(errorText(err)));
  }, [branchId]);

  function choose(next: Tab) {
    setTab(next);
    history.replaceState(null, "", `#${next}`);
  }
  const onChanged = (next: ConfigAnswer["config"]) => setConfig((c) => (c ? { ...c, ...next } : c));

  let section;
  if (!config) section = <p>{t("loading")}</p>;
  else if (tab === "today") section = <TodayOverview branchId={branchId} />;
  else if (tab === "fields") section = <FieldsEditor config={config} onChanged={onChanged} />;
  else if (tab === "counters") section = <CountersEditor config={config} onChanged={onChanged} />;
  else if (tab === "hours") section = <HoursEditor config={config} onChanged={onChanged} />;
  else if (tab === "calendar") section = <CalendarEditor me={me} entries={config.calendar} today={config.today} />;
  else if (tab === "staff") section = <StaffAccounts me={me} branchId={branchId} />;
  else if (tab === "displays") section = <DisplayTokens branchId={branchId} />;
  else section = <Reports branchId={branchId} today={config.today} />;

  return (
    <div class="workspace">
      {error && <p class="error" role="alert">{error}</p>}
      {branches && branches.length > 1 && (
        <label class="branch-pick">
          {t("branch")}
          <select value={branchId} onChange={(e) => setBranchId(e.currentTarget.value)} data-testid="branch-select">
            {branches.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {config && <p class="branch-name" data-testid="branch-name">{config.branch.name}</p>}
      <nav aria-label={t("sections")} class="tabs">
        <ul>
          {TABS.map((k) => (
            <li key={k}>
              <a href={`#${k}`} aria-current={tab === k ? "page" : undefined} onClick={(e) => (e.preventDefault(), choose(k))} data-testid={`tab-${k}`}>
                {t(TAB_WORD[k])}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="section">{section}</div>
    </div>
  );
}

function App() {
  const [me, setMe] = useState<StaffMe | null | undefined>(undefined);
  useEffect(() => {
    void staffMe().then(setMe);
  }, []);
  async function signOut() {
    await staffLogout();
    setMe(null);
  }
  let body;
  if (me === undefined) body = <p>{t("loading")}</p>;
  else if (me === null) body = <StaffSignIn onSignedIn={setMe} heading={t("appTitle")} />;
  else if (me.role !== "manager" && me.role !== "admin") body = <p class="error">{t("wrongRole")}</p>;
  else body = <Workspace me={me} />;
  return (
    <StaffHeader me={me} words={{ title: t("appTitle"), signedInAs: (name) => t("signedInAs", { name }), languageLabel: t("languageLabel"), language: t("language"), signOut: t("signOut") }} onSignOut={signOut}>
      {body}
    </StaffHeader>
  );
}

render(<App />, document.getElementById("app")!);
