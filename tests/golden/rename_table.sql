-- summary
--   - drop foreign key order (user_id) → user
--   - drop index ix_order_user_id on order
--   ~ rename table order → purchase
--   + add index ix_purchase_user_id on purchase (user_id)
--   + add foreign key purchase (user_id) → user (id)

-- sqlite up (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s'
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");
DROP INDEX "ix_order_user_id";
ALTER TABLE "order" RENAME TO "purchase";
CREATE INDEX "ix_purchase_user_id" ON "purchase" ("user_id");
CREATE TABLE "__lback_new_purchase" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  CONSTRAINT "fk_purchase_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_purchase" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "purchase";
DROP TABLE "purchase";
ALTER TABLE "__lback_new_purchase" RENAME TO "purchase";
CREATE INDEX "ix_purchase_user_id" ON "purchase" ("user_id");

-- sqlite down (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_purchase" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s'
);
INSERT INTO "__lback_new_purchase" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "purchase";
DROP TABLE "purchase";
ALTER TABLE "__lback_new_purchase" RENAME TO "purchase";
CREATE INDEX "ix_purchase_user_id" ON "purchase" ("user_id");
DROP INDEX "ix_purchase_user_id";
ALTER TABLE "purchase" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- postgres up
ALTER TABLE "order" DROP CONSTRAINT "fk_order_user_id";
DROP INDEX "ix_order_user_id";
ALTER TABLE "order" RENAME TO "purchase";
ALTER TABLE "purchase" RENAME CONSTRAINT "order_pkey" TO "purchase_pkey";
CREATE INDEX "ix_purchase_user_id" ON "purchase" ("user_id");
ALTER TABLE "purchase" ADD CONSTRAINT "fk_purchase_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- postgres down
ALTER TABLE "purchase" DROP CONSTRAINT "fk_purchase_user_id";
DROP INDEX "ix_purchase_user_id";
ALTER TABLE "purchase" RENAME TO "order";
ALTER TABLE "order" RENAME CONSTRAINT "purchase_pkey" TO "order_pkey";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");
ALTER TABLE "order" ADD CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- mysql up
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_user_id`;
DROP INDEX `ix_order_user_id` ON `order`;
ALTER TABLE `order` RENAME TO `purchase`;
CREATE INDEX `ix_purchase_user_id` ON `purchase` (`user_id`);
ALTER TABLE `purchase` ADD CONSTRAINT `fk_purchase_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;

-- mysql down
ALTER TABLE `purchase` DROP FOREIGN KEY `fk_purchase_user_id`;
DROP INDEX `ix_purchase_user_id` ON `purchase`;
ALTER TABLE `purchase` RENAME TO `order`;
CREATE INDEX `ix_order_user_id` ON `order` (`user_id`);
ALTER TABLE `order` ADD CONSTRAINT `fk_order_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
