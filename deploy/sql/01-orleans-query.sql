-- Orleans' ADO.NET providers read every statement they issue from this table at start-up,
-- keyed by the names the providers ask for. The statements below (02-04) honour the providers'
-- contract: the parameter names they bind and the column names they read back.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
