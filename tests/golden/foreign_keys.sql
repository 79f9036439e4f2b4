-- summary
--   - drop foreign key order (user_id) → user
--   + add column order.parent_id: bigint null
--   + add foreign key order (parent_id) → order (id)
--   + add foreign key order (user_id) → user (id)

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
ALTER TABLE "order" ADD COLUMN "parent_id" BIGINT;
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  "parent_id" BIGINT,
  CONSTRAINT "fk_order_parent_id" FOREIGN KEY ("parent_id") REFERENCES "order" ("id") ON DELETE SET NULL ON UPDATE NO ACTION,
  CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note", "parent_id") SELECT "id", "user_id", "total", "note", "parent_id" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- sqlite down (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(10,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL DEFAULT 'it''s',
  "parent_id" BIGINT
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note", "parent_id") SELECT "id", "user_id", "total", "note", "parent_id" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");
ALTER TABLE "order" DROP COLUMN "parent_id";
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
ALTER TABLE "order" ADD COLUMN "parent_id" BIGINT;
ALTER TABLE "order" ADD CONSTRAINT "fk_order_parent_id" FOREIGN KEY ("parent_id") REFERENCES "order" ("id") ON DELETE SET NULL ON UPDATE NO ACTION;
ALTER TABLE "order" ADD CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- postgres down
ALTER TABLE "order" DROP CONSTRAINT "fk_order_user_id";
ALTER TABLE "order" DROP CONSTRAINT "fk_order_parent_id";
ALTER TABLE "order" DROP COLUMN "parent_id";
ALTER TABLE "order" ADD CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- mysql up
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_user_id`;
ALTER TABLE `order` ADD COLUMN `parent_id` BIGINT NULL;
ALTER TABLE `order` ADD INDEX `fk_order_parent_id` (`parent_id`), ADD CONSTRAINT `fk_order_parent_id` FOREIGN KEY (`parent_id`) REFERENCES `order` (`id`) ON DELETE SET NULL ON UPDATE NO ACTION;
ALTER TABLE `order` ADD CONSTRAINT `fk_order_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE RESTRICT ON UPDATE NO ACTION;

-- mysql down
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_user_id`;
ALTER TABLE `order` DROP FOREIGN KEY `fk_order_parent_id`;
ALTER TABLE `order` DROP INDEX `fk_order_parent_id`;
ALTER TABLE `order` DROP COLUMN `parent_id`;
ALTER TABLE `order` ADD CONSTRAINT `fk_order_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION;
