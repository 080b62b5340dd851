CREATE TABLE `fairness_heads` (
	`branch_id` text NOT NULL,
	`service_date` text NOT NULL,
	`length` integer NOT NULL,
	`head_hash` text NOT NULL,
	`published_at` integer NOT NULL,
	PRIMARY KEY(`branch_id`, `service_date`)
);
--> statement-breakpoint
CREATE TABLE `idempotency_records` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`content_type` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_records_created` ON `idempotency_records` (`created_at`);--> statement-breakpoint
CREATE TABLE `platform_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`issuer` text NOT NULL,
	`jwks` text NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `platform_clients_issuer_unique` ON `platform_clients` (`issuer`);--> statement-breakpoint
CREATE TABLE `platform_usage` (
	`client_id` text NOT NULL,
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`client_id`, `day`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `ticket_ratings` (
	`ticket_id` text PRIMARY KEY NOT NULL,
	`branch_id` text NOT NULL,
	`service_date` text NOT NULL,
	`field_code` text NOT NULL,
	`counter_number` integer,
	`score` integer NOT NULL,
	`reason` text,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "ticket_ratings_score" CHECK(score BETWEEN 1 AND 5)
);
--> statement-breakpoint
CREATE INDEX `ticket_ratings_branch_date` ON `ticket_ratings` (`branch_id`,`service_date`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`delivered_at` integer,
	CONSTRAINT "webhook_deliveries_status" CHECK(status IN ('pending', 'delivered', 'dead'))
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_endpoint` ON `webhook_deliveries` (`endpoint_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_status` ON `webhook_deliveries` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`url` text NOT NULL,
	`event_types` text NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_by_client` ON `webhook_endpoints` (`client_id`);