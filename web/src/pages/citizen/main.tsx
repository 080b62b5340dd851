/**
 * The citizen page (mobile first): sign in, take a number, watch it live, cancel, rate.
 * One small bundle: Preact, the page's own words, the QR encoder; the live protocol is loaded
 * only when a ticket is shown. The service worker (web/public/sw.js) caches the app shell.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Problem } from "../../lib/api";
import { formatDateLong } from "../../lib/format";
import { lang, setLang } from "../../lib/i18n";
import { Booking } from "./Booking";
import { t } from "./messages";
import { problemOf, Refusal } from "./refusal";
import { citizenApi, listenForPlatformTokens, policyVersion, signOut, takePlatformTokenFromUrl, whoAmI, type CitizenMe } from "./session";
import { SignIn } from "./SignIn";
import { Ticket } from "./Ticket";
import type { BranchSummary, TicketView, TicketWithLive } from "./types";
import "./citizen.css";

type Screen = { kind: "home" } | { kind: "ticket"; data: TicketWithLive };

function ticketFromUrl(): string | null {
  return new URLSearchParams(location.search).get("ticket");
}

function setUrlTicket(id: string | null) {
  const url = id ? `/?ticket=${encodeURIComponent(id)}` : "/";
  if (location.pathname + location.search !== url) history.pushState(null, "", url);
}

function Header({ me, onSignOut }: { me: CitizenMe | null; onSignOut: () => void }) {
  return (
    <header class="top">
      <div class="brand">
        <img src="/icons/icon.svg" alt="" width="40" height="40" />
        <div>
          <h1>{t("appTitle")}</h1>
          <p class="small">{t("appSubtitle")}</p>
        </div>
      </div>
      <div class="top-actions">
        <button
          type="button"
          class="btn btn-small"
          data-testid="lang-switch"
          lang={lang.value === "vi" ? "en" : "vi"}
          aria-label={t("switchLangLabel")}
          onClick={() => setLang(lang.value === "vi" ? "en" : "vi")}
        >
          {t("switchLang")}
        </button>
        {me && me.method !== "platform" && (
          <button type="button" class="btn btn-small" data-testid="sign-out" onClick={onSignOut}>
            {t("signOut")}
          </button>
        )}
      </div>
      {me && (
        <p class="small who" data-testid="signed-in-as">
          {t("signedInAs", { id: me.idNumberMasked })}
          {me.method === "platform" ? ` (${t("viaPlatform")})` : ""}
        </p>
      )}
    </header>
  );
}

function MyTickets({ tickets, onOpen }: { tickets: TicketWithLive[] | null; onOpen: (t: TicketWithLive) => void }) {
  const shown = tickets;
  return (
    <section class="card" data-testid="my-tickets" aria-labelledby="mine-h">
      <h2 id="mine-h">{t("myTickets")}</h2>
      {!shown ? (
        <div class="skeleton" aria-busy="true">{t("loading")}</div>
      ) : shown.length === 0 ? (
        <p class="muted">{t("noTickets")}</p>
      ) : (
        <ul class="mine">
          {shown.map((x) => (
            <li data-testid="my-ticket" data-label={x.ticket.label} data-status={x.ticket.status}>
              <button type="button" class="choice" onClick={() => onOpen(x)}>
                <strong class="mine-label">{x.ticket.label}</strong>
                <span>
                  {formatDateLong(x.ticket.serviceDate)} · {t(`status_${x.ticket.status}`)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConsentAgain({ me, onDone }: { me: CitizenMe; onDone: () => void }) {
  const [checked, setChecked] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function accept(e: Event) {
    e.preventDefault();
    if (!checked) return setProblem({ status: 0, code: "consent_required", title: t("consentNeeded") });
    try {
      await citizenApi("POST", "/me/consent", { body: { policyVersion: me.currentPolicyVersion } });
      onDone();
    } catch (err) {
      setProblem(problemOf(err));
    }
  }
  return (
    <form class="card" data-testid="consent-again" onSubmit={accept}>
      <h2>{t("consentAgainTitle")}</h2>
      <p class="muted">{t("policySummary")}</p>
      <label class="check">
        <input type="checkbox" data-testid="consent" checked={checked} onChange={(e) => setChecked(e.currentTarget.checked)} />
        <span>{t("consent", { v: me.currentPolicyVersion })}</span>
      </label>
      <button type="submit" class="btn btn-primary">{t("consentAgain")}</button>
      <Refusal problem={problem} />
    </form>
  );
}

function App() {
  const [me, setMe] = useState<CitizenMe | null | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [branches, setBranches] = useState<BranchSummary[]>([]);
  const [tickets, setTickets] = useState<TicketWithLive[] | null>(null);
  const [screen, setScreen] = useState<Screen>({ kind: "home" });
  const [online, setOnline] = useState(navigator.onLine);

  const [unreachable, setUnreachable] = useState<Problem | null>(null);
  const refreshMe = () =>
    whoAmI()
      .then((m) => {
        setUnreachable(null);
        setMe(m);
      })
      .catch((err) => {
        // Offline or the service unreachable: say so (and offer a retry) rather than ask to sign in.
        setUnreachable(problemOf(err));
      });

  const loadTickets = () =>
    citizenApi<{ tickets: Array<TicketView & { live: TicketWithLive["live"] }> }>("GET", "/tickets")
      .then((r) => {
        const list = r.tickets.map(({ live, ...ticket }) => ({ ticket: ticket as TicketView, live }));
        setTickets(list);
        return list;
      })
      .catch((err) => {
        setProblem(problemOf(err));
        return [] as TicketWithLive[];
      });

  useEffect(() => {
    takePlatformTokenFromUrl();
    listenForPlatformTokens(() => void refreshMe());
    void refreshMe();
    citizenApi<{ branches: BranchSummary[] }>("GET", "/branches").then((r) => setBranches(r.branches), () => undefined);
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    addEventListener("online", on);
    addEventListener("offline", off);
    const onPop = () => {
      const id = ticketFromUrl();
      if (!id) setScreen({ kind: "home" });
    };
    addEventListener("popstate", onPop);
    return () => {
      removeEventListener("online", on);
      removeEventListener("offline", off);
      removeEventListener("popstate", onPop);
    };
  }, []);

  useEffect(() => {
    if (!me) return;
    void loadTickets().then((list) => {
      const id = ticketFromUrl();
      const found = id ? list.find((x) => x.ticket.id === id) : undefined;
      if (found) setScreen({ kind: "ticket", data: found });
    });
  }, [me?.idNumberMasked, me?.method]);

  const open = (data: TicketWithLive) => {
    setScreen({ kind: "ticket", data });
    setUrlTicket(data.ticket.id);
    scrollTo(0, 0);
  };
  const home = () => {
    setScreen({ kind: "home" });
    setUrlTicket(null);
    void loadTickets();
  };

  let body;
  if (unreachable && !me) {
    body = (
      <div class="card">
        <Refusal problem={unreachable} />
        <button type="button" class="btn btn-primary" onClick={() => void refreshMe()}>
          {t("retry")}
        </button>
      </div>
    );
  } else if (me === undefined) body = <div class="card skeleton tall" aria-busy="true">{t("loading")}</div>;
  else if (me === null) body = <SignIn onSignedIn={refreshMe} />;
  else if (!me.consentCurrent && me.method !== "platform") body = <ConsentAgain me={me} onDone={refreshMe} />;
  else if (screen.kind === "ticket") {
    body = (
      <>
        <Ticket key={screen.data.ticket.id} data={screen.data} branches={branches} onChanged={loadTickets} />
        <div class="row">
          <button type="button" class="btn" data-testid="back-home" onClick={home}>
            {t("back")}
          </button>
          <button type="button" class="btn btn-primary" data-testid="new-booking" onClick={home}>
            {t("newBooking")}
          </button>
        </div>
      </>
    );
  } else {
    body = (
      <>
        <MyTickets tickets={tickets} onOpen={open} />
        <Booking
          onBooked={(data) => {
            void loadTickets();
            open(data);
          }}
        />
      </>
    );
  }

  return (
    <>
      <a href="#main" class="skip">
        {lang.value === "vi" ? "Bỏ qua đến nội dung chính" : "Skip to main content"}
      </a>
      <Header
        me={me ?? null}
        onSignOut={() => {
          void signOut().then(() => {
            setMe(null);
            setTickets(null);
            setScreen({ kind: "home" });
            setUrlTicket(null);
          });
        }}
      />
      <main id="main" tabIndex={-1}>
        {!online && (
          <p class="banner offline" role="status">
            {t("offline")}
          </p>
        )}
        {problem && me !== null && <Refusal problem={problem} />}
        {body}
        <p class="small policy">v{policyVersion.value}</p>
      </main>
    </>
  );
}

const root = document.getElementById("app")!;
root.textContent = ""; // the boot placeholder painted by index.html
render(<App />, root);

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").catch(() => undefined);
  });
}
