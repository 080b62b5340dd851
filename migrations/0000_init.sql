CREATE TABLE `branch_fields` (
	`branch_id` text NOT NULL,
	`field_code` text NOT NULL,
	`daily_cap` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`branch_id`, `field_code`),
	FOREIGN KEY (`branch_id`) REFERENCES `branches`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`field_code`) REFERENCES `fields`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "branch_fields_daily_cap" CHECK(daily_cap >= 0)
);
--> statement-breakpoint
CREATE TABLE `branch_hours` (
	`branch_id` text NOT NULL,
	`weekday` integer NOT NULL,
	`opens_at` text NOT NULL,
	`closes_at` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`branch_id`, `weekday`),
	FOREIGN KEY (`branch_id`) REFERENCES `branches`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "branch_hours_weekday" CHECK(weekday BETWEEN 1 AND 7),
	CONSTRAINT "branch_hours_opens_at" CHECK(opens_at GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "branch_hours_closes_at" CHECK(closes_at GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "branch_hours_order" CHECK(opens_at < closes_at)
);
--> statement-breakpoint
CREATE TABLE `branches` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`results_address` text,
	`time_zone` text DEFAULT 'Asia/Ho_Chi_Minh' NOT NULL,
	`booking_from` text DEFAULT '08:00' NOT NULL,
	`booking_until` text DEFAULT '16:00' NOT NULL,
	`booking_days_ahead` integer DEFAULT 6 NOT NULL,
	`call_verified_only` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "branches_id_slug" CHECK(length(id) BETWEEN 1 AND 32 AND id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9-]*'),
	CONSTRAINT "branches_booking_from" CHECK(booking_from GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "branches_booking_until" CHECK(booking_until GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "branches_booking_days_ahead" CHECK(booking_days_ahead BETWEEN 0 AND 60)
);
--> statement-breakpoint
CREATE TABLE `calendar_overrides` (
	`date` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name_vi` text NOT NULL,
	`name_en` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "calendar_overrides_date" CHECK(date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
	CONSTRAINT "calendar_overrides_kind" CHECK(kind IN ('holiday', 'working_day'))
);
--> statement-breakpoint
CREATE TABLE `citizens` (
	`key` text PRIMARY KEY NOT NULL,
	`masked` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `counter_fields` (
	`branch_id` text NOT NULL,
	`counter_number` integer NOT NULL,
	`field_code` text NOT NULL,
	PRIMARY KEY(`branch_id`, `counter_number`, `field_code`),
	FOREIGN KEY (`branch_id`,`counter_number`) REFERENCES `counters`(`branch_id`,`number`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`branch_id`,`field_code`) REFERENCES `branch_fields`(`branch_id`,`field_code`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `counters` (
	`branch_id` text NOT NULL,
	`number` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`branch_id`, `number`),
	FOREIGN KEY (`branch_id`) REFERENCES `branches`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "counters_number" CHECK(number >= 1)
);
--> statement-breakpoint
CREATE TABLE `fields` (
	`code` text PRIMARY KEY NOT NULL,
	`name_vi` text NOT NULL,
	`name_en` text NOT NULL,
	`series_kind` text NOT NULL,
	`series_prefix` text,
	`series_digits` integer,
	`series_start` integer,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "fields_code" CHECK(length(code) BETWEEN 1 AND 32 AND code NOT GLOB '*[^A-Z0-9_]*'),
	CONSTRAINT "fields_series_kind" CHECK(series_kind IN ('prefix', 'block')),
	CONSTRAINT "fields_series" CHECK((series_kind = 'prefix' AND series_prefix IS NOT NULL AND series_digits BETWEEN 1 AND 6) OR (series_kind = 'block' AND series_start >= 0))
);
--> statement-breakpoint
CREATE TABLE `ticket_history` (
	`id` text PRIMARY KEY NOT NULL,
	`branch_id` text NOT NULL,
	`service_date` text NOT NULL,
	`seq` integer NOT NULL,
	`field_code` text NOT NULL,
	`original_field_code` text,
	`number` integer NOT NULL,
	`label` text NOT NULL,
	`channel` text NOT NULL,
	`priority` text,
	`citizen_key` text NOT NULL,
	`status` text NOT NULL,
	`registered_at` integer NOT NULL,
	`arrived_at` integer,
	`verified_by` text,
	`called_at` integer,
	`counter_number` integer,
	`call_count` integer DEFAULT 0 NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`version` integer NOT NULL,
	`flushed_at` integer NOT NULL,
	FOREIGN KEY (`branch_id`) REFERENCES `branches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`citizen_key`) REFERENCES `citizens`(`key`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ticket_history_channel" CHECK(channel IN ('online', 'kiosk', 'reception', 'platform')),
	CONSTRAINT "ticket_history_status" CHECK(status IN ('waiting', 'called', 'serving', 'served', 'no_show', 'cancelled', 'expired')),
	CONSTRAINT "ticket_history_verified_by" CHECK(verified_by IS NULL OR verified_by IN ('typed', 'chip_qr', 'platform')),
	CONSTRAINT "ticket_history_call_count" CHECK(call_count >= 0)
);
--> statement-breakpoint
CREATE INDEX `ticket_history_branch_date` ON `ticket_history` (`branch_id`,`service_date`);--> statement-breakpoint
CREATE INDEX `ticket_history_citizen_date` ON `ticket_history` (`citizen_key`,`service_date`);