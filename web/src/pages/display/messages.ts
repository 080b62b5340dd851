import type { Messages } from "../../lib/i18n";

export const messages = {
  title: { vi: "Số thứ tự đang phục vụ", en: "Now serving" },
  counter: { vi: "Quầy", en: "Counter" },
  number: { vi: "Số", en: "Number" },
  closed: { vi: "Đóng", en: "Closed" },
  paused: { vi: "Tạm dừng", en: "Paused" },
  idle: { vi: "—", en: "—" },
  recent: { vi: "Vừa gọi", en: "Just called" },
  waiting: { vi: "Đang chờ theo lĩnh vực", en: "Waiting by field" },
  waitingCount: { vi: "{n} người chờ", en: "{n} waiting" },
  live: { vi: "Trực tuyến", en: "Live" },
  reconnecting: { vi: "Đang kết nối lại…", en: "Reconnecting…" },
  setupTitle: { vi: "Cài đặt màn hình sảnh chờ", en: "Hall display set-up" },
  setupHelp: {
    vi: "Mở đường dẫn màn hình do quản lý chi nhánh cấp (trang Quản lý → Màn hình), dạng /display/?branch=…#token=….",
    en: "Open the display link issued by the branch manager (Manager page → Displays), like /display/?branch=…#token=….",
  },
  revoked: { vi: "Mã màn hình không hợp lệ hoặc đã bị thu hồi. Vui lòng liên hệ quản lý chi nhánh.", en: "This display's token is not valid or was revoked. Please contact the branch manager." },
  soundOn: { vi: "Bật âm thanh thông báo", en: "Turn on announcements" },
  callCaption: { vi: "Mời công dân có số thứ tự {label} đến quầy số {counter}", en: "Number {label}, please go to counter {counter}" },
} satisfies Messages<string>;
export type MessageKey = keyof typeof messages;
