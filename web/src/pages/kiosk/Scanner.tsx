/**
 * Reads the chip ID card's QR code with the kiosk's camera: frames drawn to a canvas and decoded
 * with jsqr (loaded only when scanning starts). The card's text is handed over as it is; the
 * server parses and checks it (shared/cccd-qr.ts).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "./messages";

/** A CCCD QR has seven "|"-separated fields starting with the 12-digit ID number. */
export function looksLikeCccd(text: string): boolean {
  const parts = text.split("|");
  return parts.length === 7 && /^\d{12}$/.test(parts[0]!.trim());
}

export function Scanner({ onText, onStop }: { onText: (text: string) => void; onStop: (error?: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [hint, setHint] = useState(t("scanHelp"));

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let stopped = false;
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false });
        if (stopped) return stream.getTracks().forEach((tr) => tr.stop());
        const v = video.current!;
        v.srcObject = stream;
        await v.play();
        const { default: jsQR } = await import("jsqr");
        const canvas = document.createElement("canvas");
        const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
        timer = setInterval(() => {
          if (!v.videoWidth) return;
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          ctx.drawImage(v, 0, 0);
          const code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
          if (!code?.data) return;
          if (looksLikeCccd(code.data)) onText(code.data);
          else setHint(t("notCccd"));
        }, 250);
      } catch {
        if (!stopped) onStop(t("cameraUnavailable"));
      }
    })();
    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, []);

  return (
    <div class="scanner">
      <video ref={video} muted playsInline aria-label={t("scan")} />
      <p role="status">{hint}</p>
      <button type="button" class="kbtn" onClick={() => onStop()}>
        {t("scanStop")}
      </button>
    </div>
  );
}
