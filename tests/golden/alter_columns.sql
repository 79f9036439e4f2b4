-- summary
--   ~ alter column order.total: decimal(10,2) default 0.0 → decimal(8,2) default 0.0  (destructive)
--   ~ alter column order.note: text default "it's" → text
--   ~ alter column user.email: varchar(255) → text
--   ~ alter column user.we"ird col: text null → text default "none"

-- sqlite up (needs PRAGMA foreign_keys = OFF)
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order have total with more than 6 digits before the point, which type decimal(8,2) cannot hold (e.g. ' || example || '); shorten or correct those values first (or keep the field''s precision), then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "order" WHERE ABS("total") >= 1000000
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
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
-- lback: the up migration replaced NULLs in user.we"ird col by "none": this down leaves them
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user have email longer than 255 characters, the new max_length (e.g. ' || example || '); shorten or correct those values first (or keep the field''s max_length), then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "user" WHERE length("email") > 255
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
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
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "order" WHERE ABS("total") >= 1000000
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table order have total with more than 6 digits before the point, which type decimal(8,2) cannot hold (e.g. ' || example || '); shorten or correct those values first (or keep the field''s precision), then run this migration again';
  END IF;
END
$lback_guard$;
ALTER TABLE "order" ALTER COLUMN "total" DROP DEFAULT;
ALTER TABLE "order" ALTER COLUMN "total" TYPE NUMERIC(8,2);
ALTER TABLE "order" ALTER COLUMN "total" SET DEFAULT 0.0;
ALTER TABLE "order" ALTER COLUMN "note" DROP DEFAULT;
ALTER TABLE "user" ALTER COLUMN "email" TYPE TEXT;
UPDATE "user" SET "we""ird col" = 'none' WHERE "we""ird col" IS NULL;
ALTER TABLE "user" ALTER COLUMN "we""ird col" SET NOT NULL;
ALTER TABLE "user" ALTER COLUMN "we""ird col" SET DEFAULT 'none';

-- postgres down
-- lback: the up migration replaced NULLs in user.we"ird col by "none": this down leaves them
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'id = ' || COALESCE(CAST("id" AS TEXT), 'NULL') AS example FROM "user" WHERE char_length("email") > 255
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user have email longer than 255 characters, the new max_length (e.g. ' || example || '); shorten or correct those values first (or keep the field''s max_length), then run this migration again';
  END IF;
END
$lback_guard$;
ALTER TABLE "user" ALTER COLUMN "we""ird col" DROP DEFAULT;
ALTER TABLE "user" ALTER COLUMN "we""ird col" DROP NOT NULL;
ALTER TABLE "user" ALTER COLUMN "email" TYPE VARCHAR(255);
ALTER TABLE "order" ALTER COLUMN "note" SET DEFAULT 'it''s';
ALTER TABLE "order" ALTER COLUMN "total" DROP DEFAULT;
ALTER TABLE "order" ALTER COLUMN "total" TYPE NUMERIC(10,2);
ALTER TABLE "order" ALTER COLUMN "total" SET DEFAULT 0.0;

-- mysql up
DROP PROCEDURE IF EXISTS `__lback_guard`;
CREATE PROCEDURE `__lback_guard`()
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (MySQL raises an error only from a stored program: this one, called next and dropped)
BEGIN
  DECLARE v_failing BIGINT;
  DECLARE v_example TEXT;
  DECLARE v_message TEXT;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('id = ', COALESCE(CAST(`id` AS CHAR), 'NULL')) AS example FROM `order` WHERE ABS(`total`) >= 1000000
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table order have total with more than 6 digits before the point, which type decimal(8,2) cannot hold (e.g. ', v_example, '); shorten or correct those values first (or keep the field''s precision), then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
ALTER TABLE `order` MODIFY COLUMN `total` DECIMAL(8,2) NOT NULL DEFAULT 0.0;
ALTER TABLE `order` MODIFY COLUMN `note` LONGTEXT NOT NULL;
ALTER TABLE `user` MODIFY COLUMN `email` LONGTEXT NOT NULL;
UPDATE `user` SET `we"ird col` = 'none' WHERE `we"ird col` IS NULL;
ALTER TABLE `user` MODIFY COLUMN `we"ird col` LONGTEXT NOT NULL DEFAULT 'none';

-- mysql down
-- lback: the up migration replaced NULLs in user.we"ird col by "none": this down leaves them
DROP PROCEDURE IF EXISTS `__lback_guard`;
CREATE PROCEDURE `__lback_guard`()
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (MySQL raises an error only from a stored program: this one, called next and dropped)
BEGIN
  DECLARE v_failing BIGINT;
  DECLARE v_example TEXT;
  DECLARE v_message TEXT;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('id = ', COALESCE(CAST(`id` AS CHAR), 'NULL')) AS example FROM `user` WHERE CHAR_LENGTH(`email`) > 255
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table user have email longer than 255 characters, the new max_length (e.g. ', v_example, '); shorten or correct those values first (or keep the field''s max_length), then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
ALTER TABLE `user` MODIFY COLUMN `we"ird col` LONGTEXT NULL;
ALTER TABLE `user` MODIFY COLUMN `email` VARCHAR(255) NOT NULL;
ALTER TABLE `order` MODIFY COLUMN `note` LONGTEXT NOT NULL DEFAULT 'it''s';
ALTER TABLE `order` MODIFY COLUMN `total` DECIMAL(10,2) NOT NULL DEFAULT 0.0;
