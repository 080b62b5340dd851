-- ticket_history.citizen_key no longer references citizens: deletion requests and the retention
-- job replace it with an unlinkable random token per row (worker/privacy/anonymize.ts), and a
-- partial index lists the rows still linked to a person by day (the retention job's work list).
-- Nothing references ticket_history, so the rebuild needs no foreign-key pragma (D1 does not
-- honour PRAGMA foreign_keys inside a migration's transaction anyway).
CREATE TABLE `__new_ticket_history` (
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
	CONSTRAINT "ticket_history_channel" CHECK(channel IN ('online', 'kiosk', 'reception', 'platform')),
	CONSTRAINT "ticket_history_status" CHECK(status IN ('waiting', 'called', 'serving', 'served', 'no_show', 'cancelled', 'expired')),
	CONSTRAINT "ticket_history_verified_by" CHECK(verified_by IS NULL OR verified_by IN ('typed', 'chip_qr', 'platform')),
	CONSTRAINT "ticket_history_call_count" CHECK(call_count >= 0)
);
--> statement-breakpoint
INSERT INTO `__new_ticket_history`("id", "branch_id", "service_date", "seq", "field_code", "original_field_code", "number", "label", "channel", "priority", "citizen_key", "status", "registered_at", "arrived_at", "verified_by", "called_at", "counter_number", "call_count", "started_at", "ended_at", "version", "flushed_at") SELECT "id", "branch_id", "service_date", "seq", "field_code", "original_field_code", "number", "label", "channel", "priority", "citizen_key", "status", "registered_at", "arrived_at", "verified_by", "called_at", "counter_number", "call_count", "started_at", "ended_at", "version", "flushed_at" FROM `ticket_history`;--> statement-breakpoint
DROP TABLE `ticket_history`;--> statement-breakpoint
ALTER TABLE `__new_ticket_history` RENAME TO `ticket_history`;--> statement-breakpoint
CREATE INDEX `ticket_history_branch_date` ON `ticket_history` (`branch_id`,`service_date`);--> statement-breakpoint
CREATE INDEX `ticket_history_citizen_date` ON `ticket_history` (`citizen_key`,`service_date`);--> statement-breakpoint
CREATE INDEX `ticket_history_linked_by_date` ON `ticket_history` (`service_date`) WHERE citizen_key NOT LIKE 'anon:%';--> statement-breakpoint
CREATE INDEX `citizens_last_seen` ON `citizens` (`last_seen_at`);