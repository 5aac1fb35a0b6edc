-- Run once by the postgres image (/docker-entrypoint-initdb.d/) when its data volume is still empty,
-- as POSTGRES_USER (lederbot). The knowledge base uses POSTGRES_DB (lederbot); Rasa's tracker store
-- (TRACKER_DB_URL) gets its own database, so conversations can be backed up and purged separately.
CREATE DATABASE lederbot_tracker OWNER lederbot;
