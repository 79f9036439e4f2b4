-- lback: 20261125014447_create_lists_and_tasks, sqlite, generated; review before applying
CREATE TABLE "lists" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "name" VARCHAR(100) NOT NULL
);
CREATE UNIQUE INDEX "uq_lists_name" ON "lists" ("name");
CREATE TABLE "tasks" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "list_id" BIGINT NOT NULL,
  "title" TEXT NOT NULL,
  "done" BOOLEAN NOT NULL DEFAULT 0,
  CONSTRAINT "fk_tasks_list_id" FOREIGN KEY ("list_id") REFERENCES "lists" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
);
CREATE INDEX "ix_tasks_list_id" ON "tasks" ("list_id");
