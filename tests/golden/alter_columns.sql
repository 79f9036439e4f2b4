-- summary
--   ~ alter column order.total: decimal(10,2) default 0.0 → decimal(8,2) default 0.0  (destructive)
--   ~ alter column order.note: text default "it's" → text
--   ~ alter column user.email: varchar(255) → text
--   ~ alter column user.we"ird col: text null → text default "none"

-- sqlite up (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_order" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "user_id" BIGINT NOT NULL,
  "total" DECIMAL(8,2) NOT NULL DEFAULT 0.0,
  "note" TEXT NOT NULL,
  CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
INSERT INTO "__lback_new_order" ("id", "user_id", "total", "note") SELECT "id", "user_id", "total", "note" FROM "order";
DROP TABLE "order";
ALTER TABLE "__lback_new_order" RENAME TO "order";
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");
CREATE TABLE "__lback_new_user" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "email" TEXT NOT NULL,
  "we""ird col" TEXT NOT NULL DEFAULT 'none'
);
INSERT INTO "__lback_new_user" ("id", "email", "we""ird col") SELECT "id", "email", COALESCE("we""ird col", 'none') FROM "user";
DROP TABLE "user";
ALTER TABLE "__lback_new_user" RENAME TO "user";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");

-- sqlite down (needs PRAGMA foreign_keys = OFF)
CREATE TABLE "__lback_new_user" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "email" VARCHAR(255) NOT NULL,
  "we""ird col" TEXT
);
INSERT INTO "__lback_new_user" ("id", "email", "we""ird col") SELECT "id", "email", "we""ird col" FROM "user";
DROP TABLE "user";
ALTER TABLE "__lback_new_user" RENAME TO "user";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");
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
ALTER TABLE "order" ALTER COLUMN "total" DROP DEFAULT;
ALTER TABLE "order" ALTER COLUMN "total" TYPE NUMERIC(8,2) USING "total"::NUMERIC(8,2);
ALTER TABLE "order" ALTER COLUMN "total" SET DEFAULT 0.0;
ALTER TABLE "order" ALTER COLUMN "note" DROP DEFAULT;
ALTER TABLE "user" ALTER COLUMN "email" TYPE TEXT USING "email"::TEXT;
UPDATE "user" SET "we""ird col" = 'none' WHERE "we""ird col" IS NULL;
ALTER TABLE "user" ALTER COLUMN "we""ird col" SET NOT NULL;
ALTER TABLE "user" ALTER COLUMN "we""ird col" SET DEFAULT 'none';

-- postgres down
ALTER TABLE "user" ALTER COLUMN "we""ird col" DROP DEFAULT;
ALTER TABLE "user" ALTER COLUMN "we""ird col" DROP NOT NULL;
ALTER TABLE "user" ALTER COLUMN "email" TYPE VARCHAR(255) USING "email"::VARCHAR(255);
ALTER TABLE "order" ALTER COLUMN "note" SET DEFAULT 'it''s';
ALTER TABLE "order" ALTER COLUMN "total" DROP DEFAULT;
ALTER TABLE "order" ALTER COLUMN "total" TYPE NUMERIC(10,2) USING "total"::NUMERIC(10,2);
ALTER TABLE "order" ALTER COLUMN "total" SET DEFAULT 0.0;

-- mysql up
ALTER TABLE `order` MODIFY COLUMN `total` DECIMAL(8,2) NOT NULL DEFAULT 0.0;
ALTER TABLE `order` MODIFY COLUMN `note` LONGTEXT NOT NULL;
ALTER TABLE `user` MODIFY COLUMN `email` LONGTEXT NOT NULL;
UPDATE `user` SET `we"ird col` = 'none' WHERE `we"ird col` IS NULL;
ALTER TABLE `user` MODIFY COLUMN `we"ird col` LONGTEXT NOT NULL DEFAULT 'none';

-- mysql down
ALTER TABLE `user` MODIFY COLUMN `we"ird col` LONGTEXT NULL;
ALTER TABLE `user` MODIFY COLUMN `email` VARCHAR(255) NOT NULL;
ALTER TABLE `order` MODIFY COLUMN `note` LONGTEXT NOT NULL DEFAULT 'it''s';
ALTER TABLE `order` MODIFY COLUMN `total` DECIMAL(10,2) NOT NULL DEFAULT 0.0;
