/**
 * Sign-in: VNeID (OpenID Connect, a redirect) or ID number + phone + a one-time code by SMS.
 * Consent to the personal-data policy is asked first, as the API requires it for both.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Problem } from "../../lib/api";
import { t } from "./messages";
import { problemOf, Refusal } from "./refusal";
import { citizenApi, policyVersion } from "./session";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [idNumber, setIdNumber] = useState("");
  const [phone, setPhone] = useState("");
  const [consent, setConsent] = useState(false);
  const [code, setCode] = useState("");
  const [stage, setStage] = useState<"details" | "code">("details");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  // The code field appears because the citizen asked for the code: move them to it.
  useEffect(() => {
    if (stage === "code") codeInput.current?.focus();
  }, [stage]);

  const needConsent = (): boolean => {
    if (consent) return false;
    setProblem({ status: 0, code: "consent_required", title: t("consentNeeded") });
    return true;
  };

  const cleanId = () => idNumber.replace(/\D/g, "");

  async function requestCode(e?: Event) {
    e?.preventDefault();
    if (needConsent()) return;
    setBusy(true);
    setProblem(null);
    try {
      await citizenApi("POST", "/auth/otp/request", { body: { idNumber: cleanId(), phone: phone.replace(/[\s.-]/g, "") } });
      setStage("code");
      setInfo(t("otpSent"));
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function verify(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const send = () => citizenApi("POST", "/auth/otp/verify", { body: { idNumber: cleanId(), code: code.trim(), consent: policyVersion.value } });
      try {
        await send();
      } catch (err) {
        // The policy moved on since this page was loaded: the citizen ticked the current one.
        const p = problemOf(err);
        if (p.code !== "consent_required" || typeof p.policyVersion !== "string" || p.policyVersion === policyVersion.value) throw err;
        policyVersion.value = p.policyVersion;
        await send();
      }
      onSignedIn();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  function vneid() {
    if (needConsent()) return;
    const q = new URLSearchParams({ returnTo: "/", consent: policyVersion.value });
    location.href = `/api/v1/auth/oidc/start?${q}`;
  }

  return (
    <section class="card" data-testid="sign-in" aria-labelledby="signin-h">
      <h2 id="signin-h">{t("signInTitle")}</h2>
      <p class="muted">{t("policySummary")}</p>
      <label class="check">
        <input type="checkbox" data-testid="consent" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} />
        <span>{t("consent", { v: policyVersion.value })}</span>
      </label>
      <button type="button" class="btn btn-vneid" data-testid="sign-in-vneid" onClick={vneid}>
        {t("signInVneid")}
      </button>
      <p class="divider">{t("orOtp")}</p>
      {stage === "details" ? (
        <form onSubmit={requestCode} noValidate>
          <label for="id-number">{t("idNumber")}</label>
          <input
            id="id-number"
            data-testid="id-number"
            inputMode="numeric"
            autoComplete="off"
            maxLength={15}
            aria-describedby="id-hint"
            value={idNumber}
            onInput={(e) => setIdNumber(e.currentTarget.value)}
            required
          />
          <p id="id-hint" class="hint">{t("idNumberHint")}</p>
          <label for="phone">{t("phone")}</label>
          <input
            id="phone"
            data-testid="phone"
            type="tel"
            inputMode="tel"
            autoComplete="tel-national"
            maxLength={16}
            aria-describedby="phone-hint"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
            required
          />
          <p id="phone-hint" class="hint">{t("phoneHint")}</p>
          <button type="submit" class="btn btn-primary" data-testid="request-otp" disabled={busy}>
            {t("requestOtp")}
          </button>
        </form>
      ) : (
        <form onSubmit={verify} noValidate>
          {info && <p class="info" role="status">{info}</p>}
          <label for="otp-code">{t("otpCode")}</label>
          <input
            id="otp-code"
            data-testid="otp-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            pattern="[0-9]{6}"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            required
            ref={codeInput}
          />
          <button type="submit" class="btn btn-primary" data-testid="verify-otp" disabled={busy}>
            {t("verifyOtp")}
          </button>
          <div class="row">
            <button type="button" class="btn btn-link" onClick={() => requestCode()} disabled={busy}>
              {t("resend")}
            </button>
            <button type="button" class="btn btn-link" onClick={() => setStage("details")}>
              {t("changeNumber")}
            </button>
          </div>
        </form>
      )}
      <Refusal problem={problem} />
    </section>
  );
}
