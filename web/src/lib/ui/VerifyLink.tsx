/**
 * A link from a ticket to the fairness verifier page (/verify/), with the ticket's receipt (its
 * position and entry hash in the day's hash chain) filled in, so the holder can check in one tap
 * that their number is in the chain and that nobody jumped the queue. Renders nothing for a
 * ticket without a receipt. `verifyUrl` also suits a QR code on a printed ticket.
 */
import { lang } from "../i18n";

export interface ReceiptTicket {
  branchId: string;
  serviceDate: string;
  label: string;
  receipt?: { position: number; entryHash: string } | null;
}

/** The verifier page's address for this ticket (absolute when `origin` is given), or null. */
export function verifyUrl(ticket: ReceiptTicket, origin = ""): string | null {
  if (!ticket.receipt) return null;
  const q = new URLSearchParams({
    branch: ticket.branchId,
    date: ticket.serviceDate,
    position: String(ticket.receipt.position),
    hash: ticket.receipt.entryHash,
    label: ticket.label,
  });
  return `${origin}/verify/?${q}`;
}

export function VerifyLink({ ticket, class: className }: { ticket: ReceiptTicket; class?: string }) {
  const href = verifyUrl(ticket);
  if (!href) return null;
  return (
    <a class={className} href={href} data-testid="verify-link">
      {lang.value === "vi" ? "Kiểm chứng số thứ tự này (công bằng, đúng thứ tự)" : "Verify this number (fair, in order)"}
    </a>
  );
}
