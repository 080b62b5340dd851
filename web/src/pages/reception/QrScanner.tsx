/**
 * Reads a QR code with the device camera: getUserMedia (back camera preferred), frames drawn to
 * a canvas a few times a second and decoded by jsQR. Stops the camera as soon as a code is read
 * or the scanner is closed. Nothing leaves the device: the text goes to the page, which classifies it.
 */
import jsQR from "jsqr";
import { useEffect, useRef, useState } from "preact/hooks";
import { translator } from "../../lib/i18n";
import { messages } from "./messages";

const t = translator(messages);
const SCAN_EVERY_MS = 200;

export function QrScanner(props: { onText: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let stopped = false;
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });

    async function start() {
      if (!navigator.mediaDevices?.getUserMedia) {
        setError(t("cameraUnavailable"));
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      } catch {
        setError(t("cameraDenied"));
        return;
      }
      if (stopped) return stream.getTracks().forEach((tr) => tr.stop());
      const el = video.current!;
      el.srcObject = stream;
      await el.play().catch(() => undefined);
      timer = setInterval(() => {
        if (!ctx || el.videoWidth === 0) return;
        // Decode a downscaled frame: enough for a QR held at the camera, cheap on tablets.
        const scale = Math.min(1, 640 / el.videoWidth);
        canvas.width = Math.round(el.videoWidth * scale);
        canvas.height = Math.round(el.videoHeight * scale);
        ctx.drawImage(el, 0, 0, canvas.width, canvas.height);
        const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          stop();
          props.onText(code.data);
        }
      }, SCAN_EVERY_MS);
    }
    function stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      stream?.getTracks().forEach((tr) => tr.stop());
    }
    void start();
    return stop;
  }, []);

  return (
    <div class="scanner" data-testid="scanner">
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : (
        <video ref={video} muted playsInline aria-label={t("cameraView")} />
      )}
      <button type="button" class="secondary big" onClick={props.onClose} data-testid="scanner-close">
        {t("cameraStop")}
      </button>
    </div>
  );
}
