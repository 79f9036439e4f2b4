-- summary
--   - drop index ix_order_user_id on order
--   - drop unique uq_user_email on user
--   + add index ix_order_user_id_total on order (user_id, total)
--   + add unique uq_user_email_nick on user (email, we"ird col)
--   + add unique index ux_user_weird on user (we"ird col)

-- sqlite up
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (email, we"ird col) with another row, which unique key uq_user_email_nick refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'email = ' || COALESCE(CAST("email" AS TEXT), 'NULL') || ', we"ird col = ' || COALESCE(CAST("we""ird col" AS TEXT), 'NULL') AS example FROM "user" WHERE "email" IS NOT NULL AND "we""ird col" IS NOT NULL GROUP BY "email", "we""ird col" HAVING COUNT(*) > 1
  ) AS failing_rows
) WHERE failing > 0;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (we"ird col) with another row, which unique index ux_user_weird refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'we"ird col = ' || COALESCE(CAST("we""ird col" AS TEXT), 'NULL') AS example FROM "user" WHERE "we""ird col" IS NOT NULL GROUP BY "we""ird col" HAVING COUNT(*) > 1
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
DROP INDEX "ix_order_user_id";
DROP INDEX "uq_user_email";
CREATE INDEX "ix_order_user_id_total" ON "order" ("user_id", "total");
CREATE UNIQUE INDEX "uq_user_email_nick" ON "user" ("email", "we""ird col");
CREATE UNIQUE INDEX "ux_user_weird" ON "user" ("we""ird col");

-- sqlite down
CREATE TEMP TABLE "__lback_guard" (
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)
  "failure" TEXT NOT NULL
);
CREATE TEMP TRIGGER "__lback_guard_fails" BEFORE INSERT ON "__lback_guard" BEGIN SELECT RAISE(ABORT, NEW."failure"); END;
INSERT INTO "__lback_guard" ("failure")
SELECT 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (email) with another row, which unique key uq_user_email refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again' FROM (
  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (
    SELECT 'email = ' || COALESCE(CAST("email" AS TEXT), 'NULL') AS example FROM "user" WHERE "email" IS NOT NULL GROUP BY "email" HAVING COUNT(*) > 1
  ) AS failing_rows
) WHERE failing > 0;
DROP TABLE "__lback_guard";
DROP INDEX "ux_user_weird";
DROP INDEX "uq_user_email_nick";
DROP INDEX "ix_order_user_id_total";
CREATE UNIQUE INDEX "uq_user_email" ON "user" ("email");
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

-- postgres up
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'email = ' || COALESCE(CAST("email" AS TEXT), 'NULL') || ', we"ird col = ' || COALESCE(CAST("we""ird col" AS TEXT), 'NULL') AS example FROM "user" WHERE "email" IS NOT NULL AND "we""ird col" IS NOT NULL GROUP BY "email", "we""ird col" HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (email, we"ird col) with another row, which unique key uq_user_email_nick refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again';
  END IF;
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'we"ird col = ' || COALESCE(CAST("we""ird col" AS TEXT), 'NULL') AS example FROM "user" WHERE "we""ird col" IS NOT NULL GROUP BY "we""ird col" HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (we"ird col) with another row, which unique index ux_user_weird refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again';
  END IF;
END
$lback_guard$;
DROP INDEX "ix_order_user_id";
ALTER TABLE "user" DROP CONSTRAINT "uq_user_email";
CREATE INDEX "ix_order_user_id_total" ON "order" ("user_id", "total");
ALTER TABLE "user" ADD CONSTRAINT "uq_user_email_nick" UNIQUE ("email", "we""ird col");
CREATE UNIQUE INDEX "ux_user_weird" ON "user" ("we""ird col");

-- postgres down
DO $lback_guard$
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
DECLARE
  failing bigint;
  example text;
BEGIN
  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (
    SELECT 'email = ' || COALESCE(CAST("email" AS TEXT), 'NULL') AS example FROM "user" WHERE "email" IS NOT NULL GROUP BY "email" HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF failing > 0 THEN
    RAISE EXCEPTION USING MESSAGE = 'lback guard: ' || CAST(failing AS TEXT) || ' row(s) of table user share their values of (email) with another row, which unique key uq_user_email refuses (e.g. ' || example || '); make those values unique (or delete the duplicates) first, then run this migration again';
  END IF;
END
$lback_guard$;
DROP INDEX "ux_user_weird";
ALTER TABLE "user" DROP CONSTRAINT "uq_user_email_nick";
DROP INDEX "ix_order_user_id_total";
ALTER TABLE "user" ADD CONSTRAINT "uq_user_email" UNIQUE ("email");
CREATE INDEX "ix_order_user_id" ON "order" ("user_id");

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
    SELECT CONCAT('email = ', COALESCE(CAST(`email` AS CHAR), 'NULL'), ', we"ird col = ', COALESCE(CAST(`we"ird col` AS CHAR), 'NULL')) AS example FROM `user` WHERE `email` IS NOT NULL AND `we"ird col` IS NOT NULL GROUP BY `email`, `we"ird col` HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table user share their values of (email, we"ird col) with another row, which unique key uq_user_email_nick refuses (e.g. ', v_example, '); make those values unique (or delete the duplicates) first, then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('we"ird col = ', COALESCE(CAST(`we"ird col` AS CHAR), 'NULL')) AS example FROM `user` WHERE `we"ird col` IS NOT NULL GROUP BY `we"ird col` HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table user share their values of (we"ird col) with another row, which unique index ux_user_weird refuses (e.g. ', v_example, '); make those values unique (or delete the duplicates) first, then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
ALTER TABLE `order` ADD INDEX `fk_order_user_id` (`user_id`);
DROP INDEX `ix_order_user_id` ON `order`;
ALTER TABLE `user` DROP INDEX `uq_user_email`;
CREATE INDEX `ix_order_user_id_total` ON `order` (`user_id`, `total`);
ALTER TABLE `order` DROP INDEX `fk_order_user_id`;
ALTER TABLE `user` ADD CONSTRAINT `uq_user_email_nick` UNIQUE (`email`, `we"ird col`);
CREATE UNIQUE INDEX `ux_user_weird` ON `user` (`we"ird col`);

-- mysql down
DROP PROCEDURE IF EXISTS `__lback_guard`;
CREATE PROCEDURE `__lback_guard`()
-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it
-- (MySQL raises an error only from a stored program: this one, called next and dropped)
BEGIN
  DECLARE v_failing BIGINT;
  DECLARE v_example TEXT;
  DECLARE v_message TEXT;
  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (
    SELECT CONCAT('email = ', COALESCE(CAST(`email` AS CHAR), 'NULL')) AS example FROM `user` WHERE `email` IS NOT NULL GROUP BY `email` HAVING COUNT(*) > 1
  ) AS failing_rows;
  IF v_failing > 0 THEN
    SET v_message = CONCAT('lback guard: ', v_failing, ' row(s) of table user share their values of (email) with another row, which unique key uq_user_email refuses (e.g. ', v_example, '); make those values unique (or delete the duplicates) first, then run this migration again');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;
  END IF;
END;
CALL `__lback_guard`();
DROP PROCEDURE `__lback_guard`;
DROP INDEX `ux_user_weird` ON `user`;
ALTER TABLE `user` DROP INDEX `uq_user_email_nick`;
ALTER TABLE `order` ADD INDEX `fk_order_user_id` (`user_id`);
DROP INDEX `ix_order_user_id_total` ON `order`;
ALTER TABLE `user` ADD CONSTRAINT `uq_user_email` UNIQUE (`email`);
CREATE INDEX `ix_order_user_id` ON `order` (`user_id`);
ALTER TABLE `order` DROP INDEX `fk_order_user_id`;
