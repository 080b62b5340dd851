CREATE TABLE `citizen_consents` (
	`citizen_key` text NOT NULL,
	`policy_version` text NOT NULL,
	`given_at` integer NOT NULL,
	`withdrawn_at` integer,
	PRIMARY KEY(`citizen_key`, `policy_version`)
);
--> statement-breakpoint
CREATE TABLE `staff` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`role` text NOT NULL,
	`branch_ids` text DEFAULT '[]' NOT NULL,
	`password_hash` text NOT NULL,
	`password_salt` text NOT NULL,
	`password_iterations` integer NOT NULL,
	`failed_logins` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`sessions_valid_after` integer DEFAULT 0 NOT NULL,
	`disabled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "staff_role" CHECK(role IN ('clerk', 'reception', 'manager', 'admin'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_username_unique` ON `staff` (`username`);--> statement-breakpoint
CREATE TABLE `staff_audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`staff_id` text NOT NULL,
	`role` text NOT NULL,
	`branch_id` text,
	`action` text NOT NULL,
	`ticket_id` text,
	`counter_number` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `staff_audit_by_branch_time` ON `staff_audit_log` (`branch_id`,`at`);--> statement-breakpoint
CREATE INDEX `staff_audit_by_staff_time` ON `staff_audit_log` (`staff_id`,`at`);