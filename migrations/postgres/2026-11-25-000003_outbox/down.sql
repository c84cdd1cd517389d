DROP INDEX reports_delete_after;
DROP TABLE retention_extensions;
DROP TABLE outbox;
DROP TABLE officer_notify;
DROP TABLE office_news;
