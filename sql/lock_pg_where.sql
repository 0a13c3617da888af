-- PostgreSQL only: which database and schema the warehouse is, the scope of its run lock.
select current_database() || '.' || current_schema()
