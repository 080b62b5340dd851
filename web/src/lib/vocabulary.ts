/**
 * Words for the ticket vocabulary (shared/ticket-vocabulary.ts) in Vietnamese and English, for
 * every staff page: priority groups, statuses, how identity was checked.
 */
import type { PriorityGroup, TicketStatus } from "@shared/ticket-vocabulary";
import { lang } from "./i18n";

export const PRIORITY_LABELS: Record<PriorityGroup, { vi: string; en: string }> = {
  elderly: { vi: "Người cao tuổi", en: "Elderly person" },
  disability: { vi: "Người khuyết tật", en: "Person with a disability" },
  pregnant: { vi: "Phụ nữ mang thai", en: "Pregnant woman" },
  child_under_6: { vi: "Người đi cùng trẻ dưới 6 tuổi", en: "With a child under 6" },
  merit: { vi: "Người có công với cách mạng", en: "Person of merit to the revolution" },
  other: { vi: "Ưu tiên khác", en: "Other priority" },
};

export const STATUS_LABELS: Record<TicketStatus, { vi: string; en: string }> = {
  waiting: { vi: "Đang chờ", en: "Waiting" },
  called: { vi: "Đã gọi", en: "Called" },
  serving: { vi: "Đang phục vụ", en: "Being served" },
  served: { vi: "Đã xong", en: "Served" },
  no_show: { vi: "Vắng mặt", en: "No-show" },
  cancelled: { vi: "Đã huỷ", en: "Cancelled" },
  expired: { vi: "Hết hiệu lực", en: "Expired" },
};

export function priorityLabel(group: PriorityGroup): string {
  return PRIORITY_LABELS[group][lang.value];
}

export function statusLabel(status: TicketStatus): string {
  return STATUS_LABELS[status][lang.value];
}

/** A field's name in the current language. */
export function fieldName(field: { nameVi: string; nameEn: string } | undefined | null, code = ""): string {
  if (!field) return code;
  return lang.value === "vi" ? field.nameVi : field.nameEn;
}
