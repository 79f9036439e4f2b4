-- lback: 20261125014447_create_lists_and_tasks, sqlite, generated; review before applying
DROP TABLE "tasks";
DROP TABLE "lists";
